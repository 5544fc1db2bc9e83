package kordon.detection_test

import data.kordon.detection
import data.kordon.fixtures

_tenants_with_detection := object.union(fixtures.tenants, {"t-ru": {"detection": {
	"categories": ["person_name", "email"],
	"patterns": [
		{"category": "contract_no", "regex": "C-[0-9]{6}"},
		{"category": "contract_no", "regex": "K[0-9]{8}"},
		{"category": "badge_id", "regex": "B[0-9]{5}"},
	],
}}})

test_required_is_bundle_plan_when_tenant_adds_nothing if {
	detection.required == {"email", "phone", "health"} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_required_is_bundle_plan_when_tenant_unknown if {
	detection.required == {"email", "phone", "health"}
		with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_required_adds_tenant_categories_and_pattern_categories_when_tenant_sets_them if {
	detection.required == {"email", "phone", "health", "person_name", "contract_no", "badge_id"}
		with input as fixtures.base
		with data.tenants as _tenants_with_detection
		with data.detection as fixtures.detection
}

test_required_empty_when_no_plan if {
	detection.required == set() with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.detection as {}
}

test_complete_when_every_category_scanned if {
	detection.complete with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
	detection.missing == set() with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_complete_when_more_scanned_than_required if {
	doc := fixtures.with_patch({"data": {"detectors": ["card", "email", "health", "iban", "phone"]}})
	detection.complete with input as doc
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_missing_when_one_category_not_scanned if {
	doc := fixtures.with_patch({"data": {"detectors": ["email", "phone"]}})
	not detection.complete with input as doc
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
	detection.missing == {"health"} with input as doc
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_missing_all_when_detectors_absent if {
	doc := json.remove(fixtures.base, ["data/detectors"])
	not detection.complete with input as doc
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
	detection.missing == {"email", "phone", "health"} with input as doc
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_missing_all_when_detectors_not_a_list if {
	every detectors in ["email", {"a": "email", "b": "phone", "c": "health"}, null] {
		doc := fixtures.with_patch({"data": {"detectors": detectors}})
		not detection.complete with input as doc
			with data.tenants as fixtures.tenants
			with data.detection as fixtures.detection
		detection.missing == {"email", "phone", "health"} with input as doc
			with data.tenants as fixtures.tenants
			with data.detection as fixtures.detection
	}
}

test_missing_tenant_categories_when_only_bundle_plan_scanned if {
	detection.missing == {"person_name", "contract_no", "badge_id"} with input as fixtures.base
		with data.tenants as _tenants_with_detection
		with data.detection as fixtures.detection
}

test_complete_when_detectors_unsorted if {
	# The gateway sends a sorted list; any order must still count.
	detection.complete with input as fixtures.with_patch({"data": {"detectors": ["phone", "health", "email"]}})
		with data.tenants as fixtures.tenants
		with data.detection as fixtures.detection
}

test_complete_when_tenant_plan_empty if {
	detection.complete with input as fixtures.base
		with data.tenants as object.union(fixtures.tenants, {"t-ru": {"detection": {}}})
		with data.detection as fixtures.detection
}
