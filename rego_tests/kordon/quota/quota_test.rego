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
	quota.limits == [{"name": "tokens_per_minute", "unit": "tokens", "limit": 1000, "window_s": 60}]
		with input as fixtures.personal("t-ae", [])
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

test_on_store_error_from_tier_when_tier_sets_it if {
	quota.on_store_error == "allow" with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	quota.on_store_error == "deny" with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as object.union(fixtures.tiers, {"gold": {"on_store_error": "deny"}})
}

test_on_store_error_deny_when_tier_silent if {
	quota.on_store_error == "deny" with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_on_store_error_deny_when_tier_value_invalid if {
	every value in ["ALLOW", "maybe", true, 1] {
		quota.on_store_error == "deny" with input as fixtures.base
			with data.tenants as fixtures.tenants
			with data.tiers as object.union(fixtures.tiers, {"gold": {"on_store_error": value}})
	}
}

test_on_store_error_deny_when_tenant_unknown if {
	quota.on_store_error == "deny" with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_max_output_default_from_tier_when_tier_sets_it if {
	quota.max_output_default == 256 with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_max_output_default_undefined_when_tier_silent if {
	not quota.max_output_default with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_max_output_default_undefined_when_tier_value_invalid if {
	every value in [0, -5, 1.5, "1024", null] {
		not quota.max_output_default with input as fixtures.base
			with data.tenants as fixtures.tenants
			with data.tiers as object.union(fixtures.tiers, {"gold": {"max_output_default": value}})
	}
}

test_section_whole_when_tier_sets_everything if {
	quota.section == {
		"subject": "tenant:t-ru",
		"limits": fixtures.tiers.gold.limits,
		"on_store_error": "allow",
		"max_output_default": 256,
	} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_section_without_max_output_default_when_tier_silent if {
	quota.section == {
		"subject": "tenant:t-ae",
		"limits": fixtures.tiers.basic.limits,
		"on_store_error": "deny",
	} with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_section_undefined_when_tenant_missing if {
	not quota.section with input as json.remove(fixtures.base, ["principal/tenant"])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_limits_scoped_per_key_and_agent if {
	tiers := {"gold": {"limits": [
		{"name": "rpm", "unit": "requests", "limit": 10, "window_s": 60},
		{"name": "rpm_key", "unit": "requests", "limit": 5, "window_s": 60, "per": "key"},
		{"name": "tpm_agent", "unit": "tokens", "limit": 9, "window_s": 60, "per": "agent"},
	]}}
	quota.limits == [
		{"name": "rpm", "unit": "requests", "limit": 10, "window_s": 60},
		{"name": "rpm_key", "unit": "requests", "limit": 5, "window_s": 60, "scope": "key:k-1"},
		{"name": "tpm_agent", "unit": "tokens", "limit": 9, "window_s": 60, "scope": "agent:planner"},
	] with input as fixtures.with_patch({"principal": {"key_id": "k-1", "agent": "planner"}})
		with data.tenants as fixtures.tenants
		with data.tiers as tiers
}
