# METADATA
# title: Quota
# description: >-
#   The decision's quota section: the subject whose counters apply, the limits the gateway
#   enforces (copied unchanged from the tenant's tier; a window_s of 0 means the calendar
#   month, UTC), what a quota-store outage means, and the output tokens to reserve when the
#   client states no max_tokens. Every value comes from the tenant's tier.
package kordon.quota

import data.kordon.request

# METADATA
# title: Subject
# description: Whose counters the limits apply to, "tenant:<id>".
subject := sprintf("tenant:%s", [request.tenant_id])

# METADATA
# title: Limits
# description: >-
#   The tenant's tier limits; empty for an unknown tenant or tier. A limit with
#   per: key or per: agent is counted per API key or agent, as its scope says
#   ("key:<key_id>", "agent:<agent>"), inside the tenant's subject.
limits := [_scoped(limit) | some limit in request.tier.limits]

_scoped(limit) := object.union(object.remove(limit, ["per"]), {"scope": scope}) if {
	scope := _scope(limit.per)
} else := limit

_scope("key") := sprintf("key:%s", [input.principal.key_id])

_scope("agent") := sprintf("agent:%s", [input.principal.agent])

# METADATA
# title: On store error
# description: >-
#   What the gateway does when its quota store is unreachable: "allow" only when the tier
#   says exactly that; "deny" otherwise (unset, invalid, unknown tenant or tier).
# scope: document
default on_store_error := "deny"

on_store_error := "allow" if request.tier.on_store_error == "allow"

# METADATA
# title: Default output reservation
# description: >-
#   The tier's max_output_default: output tokens the gateway reserves, and caps the upstream
#   at, when the client sets no max_tokens. Undefined when the tier sets none or the value is
#   not an integer of at least 1 (the gateway then reserves the route's whole context window).
max_output_default := n if {
	n := request.tier.max_output_default
	is_number(n)
	n >= 1
	n == floor(n)
}

# METADATA
# title: Section
# description: >-
#   The decision's quota object for an allowed request: subject, limits, on_store_error, and
#   max_output_default only when the tier sets one. Undefined without a tenant id.
section := {
	"subject": subject,
	"limits": limits,
	"on_store_error": on_store_error,
	"max_output_default": max_output_default,
} if {
	max_output_default
}

else := {"subject": subject, "limits": limits, "on_store_error": on_store_error}
