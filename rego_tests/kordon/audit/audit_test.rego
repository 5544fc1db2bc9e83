package kordon.audit_test

import data.kordon.audit
import data.kordon.fixtures

test_section_allow_when_tier_says_allow if {
	audit.section == {"level": "full", "on_queue_full": "allow"} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_section_deny_when_tier_states_none if {
	audit.section == {"level": "metadata", "on_queue_full": "deny"}
		with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_deny_when_tier_value_invalid if {
	tiers := object.union(fixtures.tiers, {"gold": {"audit": {"level": "full", "on_queue_full": "yes"}}})
	audit.on_queue_full == "deny" with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as tiers
}

test_deny_when_tenant_unknown if {
	audit.on_queue_full == "deny" with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}
