package kordon.region_test

import data.kordon.fixtures
import data.kordon.region

_ru_rule := "personal data of RU subjects is processed only in region ru (152-FZ Art. 18(5))"

_eu_rule := concat(" ", [
	"personal data of EU subjects is processed only in region eu or on the tenant's own on-prem",
	"(Kordon rule: GDPR transfer grounds such as Art. 45 adequacy are not modelled yet)",
])

_special_ru_rule := "special-category data (152-FZ Art. 10–11) is processed only on the tenant's own on-prem"

_special_rule := "special-category data is processed only on the tenant's own on-prem (Kordon rule)"

test_no_constraint_when_public if {
	region.constraints == set() with input as fixtures.with_patch({"data": {"subjects": ["RU"]}})
		with data.tenants as fixtures.tenants
	region.residency == "any" with input as fixtures.base with data.tenants as fixtures.tenants
	region.rules == set() with input as fixtures.base with data.tenants as fixtures.tenants
	region.notes == {"public data has no residency constraint; the tenant's allowed providers apply"}
		with input as fixtures.base
		with data.tenants as fixtures.tenants
	region.permitted == {"own-ru", "cloud-ru", "cloud-eu", "cloud-us", "eu-onprem"} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_ru_only_when_personal_ru_subjects if {
	doc := fixtures.personal("t-eu", ["RU"])
	region.constraints == {"ru_localisation"} with input as doc with data.tenants as fixtures.tenants
	region.residency == "ru" with input as doc with data.tenants as fixtures.tenants
	region.rules == {_ru_rule} with input as doc with data.tenants as fixtures.tenants
	region.permitted == {"own-ru", "cloud-ru"} with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_ru_presumed_when_ru_tenant_and_no_subjects if {
	doc := fixtures.personal("t-ru", [])
	region.residency == "ru" with input as doc with data.tenants as fixtures.tenants
	region.reasons == {
		_ru_rule,
		"no data-subject jurisdiction was detected; the subjects are presumed to be of the tenant's jurisdiction (RU)",
	} with input as doc
		with data.tenants as fixtures.tenants
}

test_eu_or_own_onprem_when_personal_eu_subjects if {
	doc := fixtures.personal("t-eu", ["DE"])
	region.residency == "eu" with input as doc with data.tenants as fixtures.tenants
	region.rules == {_eu_rule} with input as doc with data.tenants as fixtures.tenants
	region.permitted == {"cloud-eu", "eu-onprem"} with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_eu_admits_own_onprem_outside_eu if {
	# own-ru is in region ru but is t-ru's own on-prem, so EU subjects' data may go there.
	# eu-onprem is permitted by region (eu); routing drops it because t-ru does not own it.
	region.permitted == {"cloud-eu", "eu-onprem", "own-ru"} with input as fixtures.personal("t-ru", ["EU"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_onprem_when_ru_and_eu_subjects if {
	doc := fixtures.personal("t-ru", ["RU", "EU"])
	region.residency == "onprem" with input as doc with data.tenants as fixtures.tenants
	region.rules == {_ru_rule, _eu_rule} with input as doc with data.tenants as fixtures.tenants
	region.permitted == {"own-ru"} with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_onprem_when_special_ru if {
	doc := fixtures.with_patch({"data": {"sensitivity": "special", "subjects": []}})
	region.residency == "onprem" with input as doc with data.tenants as fixtures.tenants
	region.rules == {_ru_rule, _special_ru_rule} with input as doc with data.tenants as fixtures.tenants
	region.permitted == {"own-ru"} with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_onprem_when_special_other_jurisdiction if {
	doc := fixtures.with_patch({"principal": {"tenant": "t-ae"}, "data": {"sensitivity": "special", "subjects": []}})
	region.residency == "onprem" with input as doc with data.tenants as fixtures.tenants
	region.rules == {_special_rule} with input as doc with data.tenants as fixtures.tenants
	region.permitted == set() with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_no_constraint_when_ae_subjects if {
	doc := fixtures.personal("t-ae", [])
	region.residency == "any" with input as doc with data.tenants as fixtures.tenants
	region.rules == set() with input as doc with data.tenants as fixtures.tenants
	region.notes == {
		"no data-subject jurisdiction was detected; the subjects are presumed to be of the tenant's jurisdiction (AE)",
		"no residency rule is modelled for personal data of AE subjects; the tenant's allowed providers apply",
	} with input as doc
		with data.tenants as fixtures.tenants
	count(region.permitted) == 5 with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_nothing_permitted_when_constraint_has_no_provider_rule if {
	# A constraint added without saying which providers satisfy it must permit none (fail closed).
	region.permitted == set() with input as fixtures.personal("t-ru", ["RU"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with region.constraints as {"ru_localisation", "kz_localisation"}
}
