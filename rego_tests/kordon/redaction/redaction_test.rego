package kordon.redaction_test

import data.kordon.fixtures
import data.kordon.redaction

_doc(tenant, sensitivity) := fixtures.with_patch({
	"principal": {"tenant": tenant},
	"data": {"sensitivity": sensitivity},
})

test_none_when_not_personal if {
	every sensitivity in ["public", "internal", "confidential"] {
		redaction.level == "none" with input as _doc("t-ru", sensitivity) with data.tenants as fixtures.tenants
		redaction.reasons == set() with input as _doc("t-ru", sensitivity) with data.tenants as fixtures.tenants
	}
}

test_tenant_setting_when_personal if {
	redaction.level == "mask" with input as _doc("t-ru", "personal") with data.tenants as fixtures.tenants
	redaction.reasons == {"personal data is redacted with mask before it leaves the gateway (tenant setting)"}
		with input as _doc("t-ru", "personal")
		with data.tenants as fixtures.tenants
}

test_tenant_setting_when_special if {
	redaction.level == "pseudonymize" with input as _doc("t-ru", "special") with data.tenants as fixtures.tenants
}

test_pseudonymize_default_when_personal_and_no_setting if {
	redaction.level == "pseudonymize" with input as _doc("t-eu", "personal") with data.tenants as fixtures.tenants
	redaction.reasons == {"personal data is redacted with pseudonymize before it leaves the gateway (Kordon default)"}
		with input as _doc("t-eu", "personal")
		with data.tenants as fixtures.tenants
}

test_block_default_when_special_and_no_setting if {
	redaction.level == "block" with input as _doc("t-eu", "special") with data.tenants as fixtures.tenants
	redaction.reasons == {concat(" ", [
		"special data is blocked:",
		"the gateway refuses the request (422) and names the detected categories (Kordon default)",
	])}
		with input as _doc("t-eu", "special")
		with data.tenants as fixtures.tenants
}

test_block_when_tenant_setting_invalid if {
	tenants := object.union(fixtures.tenants, {"t-ru": {"redaction": {"personal": "none"}}})
	redaction.level == "block" with input as _doc("t-ru", "personal") with data.tenants as tenants
}

test_block_when_classification_invalid if {
	redaction.level == "block" with input as _doc("t-ru", "secret") with data.tenants as fixtures.tenants
}

test_levels_when_personal_per_tenant_choice if {
	every choice in redaction.levels {
		tenants := object.union(fixtures.tenants, {"t-ru": {"redaction": {"personal": choice}}})
		redaction.level == choice with input as _doc("t-ru", "personal") with data.tenants as tenants
	}
}
