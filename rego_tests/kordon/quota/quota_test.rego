package kordon.quota_test

import data.kordon.fixtures
import data.kordon.quota

test_subject_names_tenant if {
	quota.subject == "tenant:t-ru" with input as fixtures.base
}

test_limits_copied_from_tier if {
	quota.limits == fixtures.tiers.gold.limits with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	quota.limits == [{"name": "tokens_per_minute", "unit": "tokens", "limit": 1000, "window_s": 60}] with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_limits_empty_when_tenant_unknown if {
	quota.limits == [] with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_limits_empty_when_tier_unknown if {
	quota.limits == [] with input as fixtures.base
		with data.tenants as object.union(fixtures.tenants, {"t-ru": {"tier": "platinum"}})
		with data.tiers as fixtures.tiers
}
