# METADATA
# title: Quota
# description: >-
#   The quota subject and the limits the gateway enforces, copied unchanged from the
#   tenant's tier. A window_s of 0 means the calendar month (UTC).
package kordon.quota

import data.kordon.request

# METADATA
# title: Subject
# description: Whose counters the limits apply to, "tenant:<id>".
subject := sprintf("tenant:%s", [request.tenant_id])

# METADATA
# title: Limits
# description: The tenant's tier limits; empty for an unknown tenant or tier.
default limits := []

limits := data.tiers[request.tenant.tier].limits
