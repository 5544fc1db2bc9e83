package kordon.retention_test

import data.kordon.fixtures
import data.kordon.retention

test_tier_cache_and_audit_when_not_personal if {
	retention.cache == {"mode": "exact", "ttl_s": 60} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	retention.audit_level == "full" with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	retention.reasons == set() with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_audit_metadata_when_tier_states_none if {
	retention.audit_level == "metadata" with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_cache_off_and_metadata_when_personal if {
	every sensitivity in ["personal", "special"] {
		doc := fixtures.with_patch({"data": {"sensitivity": sensitivity}})
		retention.cache == {"mode": "off", "ttl_s": 0} with input as doc
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
		retention.audit_level == "metadata" with input as doc
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
		retention.reasons == {"personal data is never cached: cache off", "personal data is audited at metadata level only"}
			with input as doc
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
	}
}

test_no_reasons_when_personal_and_tier_already_minimal if {
	tiers := object.union(fixtures.tiers, {"basic": {"cache": {"mode": "off", "ttl_s": 0}}})
	retention.reasons == set() with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as tiers
}

test_cache_off_when_tenant_unknown if {
	retention.cache == {"mode": "off", "ttl_s": 0} with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}
