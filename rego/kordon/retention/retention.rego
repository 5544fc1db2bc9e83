# METADATA
# title: Retention
# description: >-
#   What the gateway may keep about a request: audit detail. It comes from the tenant's tier
#   and is switched to the minimum for personal and special data (the cache: kordon.cache).
package kordon.retention

import data.kordon.request

# METADATA
# title: Audit level
# description: The tier's audit level (default metadata); metadata for personal and special data.
# scope: document
default audit_level := "metadata"

audit_level := object.get(request.tier, ["audit", "level"], "metadata") if not request.personal

# METADATA
# title: Reasons
# description: Why the audit record is reduced.
# scope: document
reasons contains "personal data is audited at metadata level only" if {
	request.personal
	object.get(request.tier, ["audit", "level"], "metadata") != "metadata"
}
