package kordon.request_test

import data.kordon.fixtures
import data.kordon.request

test_tenant_known_when_listed if {
	request.tenant_id == "t-ru" with input as fixtures.base
	request.tenant.jurisdiction == "RU" with input as fixtures.base with data.tenants as fixtures.tenants
}

test_tenant_undefined_when_unknown if {
	not request.tenant with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
}

test_tenant_id_undefined_when_not_a_string if {
	not request.tenant_id with input as fixtures.with_patch({"principal": {"tenant": 42}})
}

test_sensitivity_defined_when_valid if {
	every level in request.sensitivities {
		request.sensitivity == level with input as fixtures.with_patch({"data": {"sensitivity": level}})
	}
}

test_sensitivity_undefined_when_invalid if {
	not request.sensitivity with input as fixtures.with_patch({"data": {"sensitivity": "secret"}})
	not request.sensitivity with input as {"data": {}}
}

test_personal_when_personal_or_special if {
	request.personal with input as fixtures.with_patch({"data": {"sensitivity": "personal"}})
	request.personal with input as fixtures.with_patch({"data": {"sensitivity": "special"}})
	not request.personal with input as fixtures.with_patch({"data": {"sensitivity": "confidential"}})
}

test_subjects_empty_when_not_personal if {
	request.subjects == set() with input as fixtures.with_patch({"data": {"subjects": ["RU"]}})
}

test_subjects_detected_when_personal if {
	request.subjects == {"RU", "EU", "AE"} with input as fixtures.personal("t-ru", ["ru", "DE", "FR", "AE", 7])
		with data.tenants as fixtures.tenants
}

test_subjects_presumed_when_none_detected if {
	request.subjects == {"EU"} with input as fixtures.personal("t-eu", []) with data.tenants as fixtures.tenants
	request.presumed with input as fixtures.personal("t-eu", []) with data.tenants as fixtures.tenants
	not request.presumed with input as fixtures.personal("t-eu", ["RU"]) with data.tenants as fixtures.tenants
}

test_own_onprem_when_owned_and_listed if {
	request.own_onprem("own-ru") with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_own_onprem_false_when_owned_by_another_tenant if {
	# t-ru lists eu-onprem among its providers, but t-eu owns it.
	not request.own_onprem("eu-onprem") with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_own_onprem_false_when_cloud if {
	not request.own_onprem("cloud-ru") with input as fixtures.base
		with data.tenants as object.union(fixtures.tenants, {"t-ru": {"onprem": ["cloud-ru"]}})
		with data.providers as fixtures.providers
}

test_tier_is_tenant_tier_record_when_known if {
	request.tier == fixtures.tiers.gold with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_tier_undefined_when_tier_unknown if {
	not request.tier with input as fixtures.base
		with data.tenants as object.union(fixtures.tenants, {"t-ru": {"tier": "platinum"}})
		with data.tiers as fixtures.tiers
}
