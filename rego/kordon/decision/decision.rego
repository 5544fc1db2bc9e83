# METADATA
# title: Kordon decision (contract v1)
# description: >-
#   The single entrypoint of the Kordon policy: data.kordon.decision is the whole decision
#   object of contract v1 (docs/policy-contract.md). Deny by default: every field has a
#   default that refuses or restricts, and allow is true only when there is no deny reason
#   and at least one route. This package holds only the decision's fields; logic lives in
#   one package per concern.
# entrypoint: true
package kordon.decision

import data.kordon.deny
import data.kordon.request
import data.kordon.routing

# METADATA
# title: Version
# description: The contract version of this decision.
version := 1

# METADATA
# title: Allow
# description: True only when no deny reason applies and at least one route exists.
# scope: document
default allow := false

allow if {
	count(deny.reasons) == 0
	count(routing.routes) > 0
}

# METADATA
# title: Reasons
# description: >-
#   When denied, the deny reasons (sorted). When allowed, the rules that shaped the
#   decision: residency rules, notes on how they applied, redaction, retention.
# scope: document
default reasons := ["denied by default: the policy produced no decision for this input"]

reasons := array.flatten([
	sort(data.kordon.region.rules),
	sort(data.kordon.region.notes),
	sort(data.kordon.redaction.reasons),
	sort(data.kordon.retention.reasons),
	sort(data.kordon.cache.reasons),
]) if {
	allow
}

else := sort(deny.reasons) if count(deny.reasons) > 0

# METADATA
# title: Region
# description: The residency constraint that applied (ru, eu, us, onprem or any), also when denied.
# scope: document
default region := "any"

region := data.kordon.region.residency

# METADATA
# title: Routes
# description: Ordered (provider, model) routes, cheapest first; empty when denied.
# scope: document
default routes := []

routes := routing.routes if allow

# METADATA
# title: Redaction
# description: none, mask, pseudonymize or block (the gateway answers 422); block when denied.
# scope: document
default redaction := "block"

redaction := data.kordon.redaction.level if allow

# METADATA
# title: Quota
# description: >-
#   The subject, its tier limits, on_store_error and (when the tier sets it)
#   max_output_default; only the subject, with no limits, when denied.
# scope: document
default quota := {"subject": "", "limits": []}

quota := data.kordon.quota.section if allow

quota := {"subject": data.kordon.quota.subject, "limits": []} if not allow

# METADATA
# title: Cache
# description: >-
#   Cache mode, TTL, epoch and savings baseline (kordon.cache); off when denied, and for
#   personal data unless it is pseudonymized.
# scope: document
default cache := {"mode": "off", "ttl_s": 0}

cache := data.kordon.cache.section if allow

# METADATA
# title: Audit
# description: >-
#   Audit detail (metadata when denied and for personal data) and what a full audit queue
#   means (deny unless the tier says allow; deny when denied).
# scope: document
default audit := {"level": "metadata", "on_queue_full": "deny"}

audit := data.kordon.audit.section if allow

# METADATA
# title: Provider logging
# description: >-
#   True when providers may keep their own logs of the request (YandexGPT's
#   x-data-logging-enabled): only when the tenant's data says provider_logging: true and the
#   request carries no personal or special data. Undefined otherwise, which the gateway reads
#   as false.
provider_logging if {
	allow
	request.tenant.provider_logging == true
	not request.personal
}
