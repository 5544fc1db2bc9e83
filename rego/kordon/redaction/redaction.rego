# METADATA
# title: Redaction
# description: >-
#   What the gateway does to detected personal data before it leaves: none, mask
#   (irreversible), pseudonymize (reversible, restored in the answer) or block (the gateway
#   refuses the request with 422 after naming the detected categories). Block is a
#   redaction level, not a deny: the decision stays allowed.
package kordon.redaction

import data.kordon.request

# METADATA
# title: Levels
# description: The redaction levels a tenant may choose for personal and special data.
levels := {"mask", "pseudonymize", "block"}

# METADATA
# title: Level
# description: >-
#   none for public, internal and confidential data; the tenant's redaction.personal
#   (default pseudonymize) or redaction.special (default block); block when in doubt.
# scope: document
default level := "block"

level := "none" if input.data.sensitivity in {"public", "internal", "confidential"}

level := chosen if {
	input.data.sensitivity == "personal"
	chosen := object.get(request.tenant, ["redaction", "personal"], "pseudonymize")
	chosen in levels
}

level := chosen if {
	input.data.sensitivity == "special"
	chosen := object.get(request.tenant, ["redaction", "special"], "block")
	chosen in levels
}

# METADATA
# title: Reasons
# description: Why personal data is redacted the way it is.
# scope: document
reasons contains msg if {
	request.personal
	level != "block"
	msg := sprintf("%s data is redacted with %s before it leaves the gateway (%s)", [request.sensitivity, level, _source])
}

reasons contains msg if {
	request.personal
	level == "block"
	msg := sprintf(
		"%s data is blocked: the gateway refuses the request (422) and names the detected categories (%s)",
		[request.sensitivity, _source],
	)
}

default _source := "Kordon default"

_source := "tenant setting" if request.tenant.redaction[request.sensitivity]
