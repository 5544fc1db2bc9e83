# METADATA
# title: Retention
# description: >-
#   What the gateway may keep about a request: cached answers and audit detail. Both come
#   from the tenant's tier, and both are switched to the minimum for personal and special data.
package kordon.retention

import data.kordon.request

# METADATA
# title: Cache
# description: The tier's cache; off for personal and special data, unknown tenants and tiers.
# scope: document
default cache := {"mode": "off", "ttl_s": 0}

cache := request.tier.cache if not request.personal

# METADATA
# title: Audit level
# description: The tier's audit level (default metadata); metadata for personal and special data.
# scope: document
default audit_level := "metadata"

audit_level := object.get(request.tier, ["audit", "level"], "metadata") if not request.personal

# METADATA
# title: Reasons
# description: Why the cache is off or the audit record is reduced.
# scope: document
reasons contains "personal data is never cached: cache off" if {
	request.personal
	request.tier.cache.mode != "off"
}

reasons contains "personal data is audited at metadata level only" if {
	request.personal
	object.get(request.tier, ["audit", "level"], "metadata") != "metadata"
}
