# METADATA
# title: Detection
# description: >-
#   What the payload must have been scanned for before the policy can trust its data class:
#   the categories in data.detection, plus the tenant's own detection.categories and the
#   categories of its detection.patterns. input.data.detectors says what the gateway scanned
#   for; kordon.deny refuses chat and embeddings requests that were not scanned for all of
#   them, so a gateway whose detection plan lags the bundle fails closed.
#
#   Hot path: when the tenant adds nothing, complete compares the sorted bundle list with
#   input.data.detectors (the gateway sends exactly that); otherwise required is built once and
#   checked with one object.subset call. missing is computed only for the deny reason.
package kordon.detection

import data.kordon.request

# METADATA
# title: Required categories
# description: >-
#   Categories every request of this tenant must be scanned for: data.detection.categories,
#   the tenant's detection.categories and the categories of the tenant's detection.patterns.
required := _bundle | _tenant_plan

# METADATA
# title: Complete
# description: >-
#   True when input.data.detectors names every required category. Undefined when the field
#   is absent or not a list: then nothing counts as scanned.
# scope: document
complete if {
	# The common case, answered without building sets: a tenant that adds nothing, and a
	# gateway that reports exactly the bundle's categories (sorted). Same answer as below.
	not request.tenant.detection
	sort(data.detection.categories) == input.data.detectors
}

complete if object.subset(input.data.detectors, required)

# METADATA
# title: Missing categories
# description: >-
#   Required categories that input.data.detectors does not name (all of them when it is
#   absent or not a list).
missing := required - _scanned

_bundle := {category | some category in data.detection.categories}

_scanned contains category if {
	is_array(input.data.detectors)
	some category in input.data.detectors
}

# The tenant's additions: its own categories and the categories of its patterns.
_tenant_plan contains category if some category in request.tenant.detection.categories

_tenant_plan contains pattern.category if some pattern in request.tenant.detection.patterns
