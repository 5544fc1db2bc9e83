package kordon.retention_test

import data.kordon.fixtures
import data.kordon.retention

test_tier_audit_when_not_personal if {
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

test_metadata_when_personal if {
	every sensitivity in ["personal", "special"] {
		doc := fixtures.with_patch({"data": {"sensitivity": sensitivity}})
		retention.audit_level == "metadata" with input as doc
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
		retention.reasons == {"personal data is audited at metadata level only"}
			with input as doc
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
	}
}

test_no_reasons_when_personal_and_tier_already_minimal if {
	retention.reasons == set() with input as fixtures.personal("t-ae", [])
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}
