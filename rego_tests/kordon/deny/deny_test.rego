package kordon.deny_test

import data.kordon.deny
import data.kordon.fixtures

_ru_rule := "personal data of RU subjects is processed only in region ru (152-FZ Art. 18(5))"

_classification_null := concat(" ", [
	"data classification null is missing or invalid;",
	"sensitivity must be one of public, internal, confidential, personal, special",
])

test_no_reasons_when_request_routable if {
	deny.reasons == set() with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_version_when_unsupported if {
	deny.reasons == {"contract version 2 is not supported; this policy implements version 1"}
		with input as fixtures.with_patch({"version": 2})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_tenant_when_unknown if {
	deny.reasons == {"tenant nobody is not known"} with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_tenant_when_missing if {
	deny.reasons == {"the request names no tenant"} with input as json.remove(fixtures.base, ["principal/tenant"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_classification_when_invalid if {
	deny.reasons == {concat("", [
		`data classification "secret" is missing or invalid; `,
		"sensitivity must be one of public, internal, confidential, personal, special",
	])} with input as fixtures.with_patch({"data": {"sensitivity": "secret"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_classification_when_missing if {
	deny.reasons == {_classification_null}
		with input as json.remove(fixtures.base, ["data/sensitivity"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_endpoint_when_unsupported if {
	deny.reasons == {`endpoint "images.generations" is not supported`}
		with input as fixtures.with_patch({"request": {"endpoint": "images.generations"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_tokens_when_invalid if {
	every tokens in [
		{"prompt": -1, "max_output": 1},
		{"prompt": 1.5, "max_output": null},
		{"prompt": 1, "max_output": "10"},
	] {
		reasons := deny.reasons
			with input as object.union(fixtures.base, {"request": {"tokens": tokens}})
			with data.tenants as fixtures.tenants
			with data.providers as fixtures.providers
			with data.detection as fixtures.detection
		count(reasons) == 1
		every msg in reasons {
			startswith(msg, "token counts ")
		}
	}
}

test_model_when_missing_or_not_a_string if {
	deny.reasons == {`model null is invalid; it must be a model name or "auto"`}
		with input as json.remove(fixtures.base, ["request/model"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
	deny.reasons == {`model 7 is invalid; it must be a model name or "auto"`}
		with input as fixtures.with_patch({"request": {"model": 7}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_tokens_when_missing_max_output if {
	deny.reasons == set() with input as json.remove(fixtures.base, ["request/tokens/max_output"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_tokens_ignored_when_models_endpoint if {
	deny.reasons == set()
		with input as json.remove(fixtures.with_patch({"request": {"endpoint": "models"}}), ["request/tokens"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_all_input_reasons_when_input_empty if {
	deny.reasons == {
		"contract version null is not supported; this policy implements version 1",
		_classification_null,
		"endpoint null is not supported",
		"the request names no tenant",
	} with input as {}
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_all_input_reasons_when_input_not_an_object if {
	count(deny.reasons) == 4 with input as ["not", "an", "object"]
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_model_when_not_allowed_for_tenant if {
	deny.reasons == {"model m-chat is not allowed for tenant t-ae"}
		with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}, "request": {"model": "m-chat"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_model_when_not_offered_anywhere if {
	deny.reasons == {"model gpt-9 is not allowed for tenant t-ru"}
		with input as fixtures.with_patch({"request": {"model": "gpt-9"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_model_when_incapable if {
	deny.reasons == {concat("", [
		"model m-embed cannot serve this request: ",
		"it needs capabilities [chat, tools] and a context of at least 200 tokens",
	])}
		with input as fixtures.with_patch({"request": {"model": "m-embed", "features": {"tools": true}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_model_when_only_outside_region if {
	deny.reasons == {sprintf(
		concat("", [
			"model m-big is available to tenant t-ru only outside what the residency rule allows ",
			"(region ru: %s); no other model is substituted",
		]),
		[_ru_rule],
	)} with input as fixtures.with_patch({
		"request": {"model": "m-big"},
		"data": {"sensitivity": "personal", "subjects": ["RU"]},
	})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_no_model_reason_when_input_invalid if {
	deny.reasons == {"tenant nobody is not known"}
		with input as fixtures.with_patch({"principal": {"tenant": "nobody"}, "request": {"model": "gpt-9"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_no_route_when_auto_and_nothing_fits if {
	deny.reasons == {concat("", [
		"no route satisfies all constraints: ",
		"model auto with capabilities [chat, vision] and a context of at least 200 tokens, ",
		"residency onprem (special-category data is processed only on the tenant's own on-prem (Kordon rule); ",
		"no data-subject jurisdiction was detected; the subjects are presumed to be of the tenant's jurisdiction (AE); ",
		"no residency rule is modelled for personal data of AE subjects; the tenant's allowed providers apply)",
	])} with input as fixtures.with_patch({
		"principal": {"tenant": "t-ae"},
		"request": {"features": {"images": true}},
		"data": {"sensitivity": "special"},
	})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_no_route_when_auto_and_no_rule if {
	deny.reasons == {concat("", [
		"no route satisfies all constraints: ",
		"model auto with capabilities [chat] and a context of at least 1000001 tokens, ",
		"residency any (public data has no residency constraint; the tenant's allowed providers apply)",
	])} with input as fixtures.with_patch({"request": {"tokens": {"prompt": 1000000, "max_output": 1}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_no_route_when_models_endpoint_and_nothing_permitted if {
	deny.reasons == {concat("", [
		"no route satisfies all constraints: models for tenant t-ae, data class special, residency onprem (",
		"special-category data is processed only on the tenant's own on-prem (Kordon rule); ",
		"no residency rule is modelled for personal data of KZ subjects; the tenant's allowed providers apply)",
	])} with input as fixtures.with_patch({
		"principal": {"tenant": "t-ae"},
		"request": {"endpoint": "models"},
		"data": {"sensitivity": "special", "subjects": ["kz"]},
	})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

# Input reasons are empty for every well-formed input and present for every malformed one.
test_input_reasons_empty_exactly_when_well_formed if {
	every doc in [
		fixtures.base,
		fixtures.with_patch({"request": {"endpoint": "embeddings"}}),
		json.remove(fixtures.with_patch({"request": {"endpoint": "models"}}), ["request/tokens", "request/model"]),
		json.remove(fixtures.base, ["request/tokens/max_output"]),
		fixtures.personal("t-ae", ["kz"]),
		fixtures.with_patch({"data": {"detectors": ["card", "email", "health", "phone"]}}),
		fixtures.with_patch({"request": {"endpoint": "models"}, "data": {"detectors": []}}),
	] {
		deny.input_reasons == set() with input as doc
			with data.tenants as fixtures.tenants
			with data.providers as fixtures.providers
			with data.detection as fixtures.detection
	}
	every doc in [
		{},
		["not", "an", "object"],
		fixtures.with_patch({"version": 2}),
		fixtures.with_patch({"version": "1"}),
		json.remove(fixtures.base, ["principal/tenant"]),
		fixtures.with_patch({"principal": {"tenant": "nobody"}}),
		fixtures.with_patch({"principal": {"tenant": 7}}),
		fixtures.with_patch({"data": {"sensitivity": "secret"}}),
		json.remove(fixtures.base, ["data/sensitivity"]),
		fixtures.with_patch({"request": {"endpoint": "images"}}),
		json.remove(fixtures.base, ["request/endpoint"]),
		fixtures.with_patch({"request": {"model": ["auto"]}}),
		json.remove(fixtures.base, ["request/model"]),
		fixtures.with_patch({"request": {"tokens": {"prompt": -1}}}),
		fixtures.with_patch({"request": {"tokens": {"prompt": 1.5}}}),
		fixtures.with_patch({"request": {"tokens": {"max_output": "10"}}}),
		json.remove(fixtures.base, ["request/tokens/prompt"]),
		json.remove(fixtures.with_patch({"request": {"endpoint": "embeddings"}}), ["request/tokens"]),
		json.remove(fixtures.base, ["data/detectors"]),
		fixtures.with_patch({"data": {"detectors": ["email", "phone"]}}),
		fixtures.with_patch({"request": {"endpoint": "embeddings"}, "data": {"detectors": "email, health, phone"}}),
	] {
		count(deny.input_reasons) > 0 with input as doc
			with data.tenants as fixtures.tenants
			with data.providers as fixtures.providers
			with data.detection as fixtures.detection
	}
}

_not_scanned(categories) := sprintf(
	"the payload was not scanned for %s, which the policy requires; refusing rather than passing it on unexamined",
	[categories],
)

test_detection_when_one_category_not_scanned if {
	deny.reasons == {_not_scanned("health")} with input as fixtures.with_patch({"data": {"detectors": ["email", "phone"]}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_detection_when_detectors_missing if {
	deny.reasons == {_not_scanned("email, health, phone")} with input as json.remove(fixtures.base, ["data/detectors"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_detection_when_embeddings_not_scanned if {
	doc := fixtures.with_patch({"request": {"endpoint": "embeddings"}, "data": {"detectors": []}})
	deny.reasons == {_not_scanned("email, health, phone")} with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_detection_when_tenant_adds_category if {
	tenants := object.union(fixtures.tenants, {"t-ru": {"detection": {"categories": ["person_name"]}}})
	deny.reasons == {_not_scanned("person_name")} with input as fixtures.base
		with data.tenants as tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
	deny.reasons == set()
		with input as fixtures.with_patch({"data": {"detectors": ["email", "health", "person_name", "phone"]}})
		with data.tenants as tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_detection_when_tenant_pattern_category_not_scanned if {
	patterns := [{"category": "contract_no", "regex": "C-[0-9]{6}"}]
	tenants := object.union(fixtures.tenants, {"t-ru": {"detection": {"patterns": patterns}}})
	deny.reasons == {_not_scanned("contract_no")} with input as fixtures.base
		with data.tenants as tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
	deny.reasons == set()
		with input as fixtures.with_patch({"data": {"detectors": ["contract_no", "email", "health", "phone"]}})
		with data.tenants as tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}

test_detection_ignored_when_models_endpoint if {
	every doc in [
		fixtures.with_patch({"request": {"endpoint": "models"}, "data": {"detectors": []}}),
		json.remove(fixtures.with_patch({"request": {"endpoint": "models"}}), ["data/detectors"]),
	] {
		deny.reasons == set() with input as doc
			with data.tenants as fixtures.tenants
			with data.providers as fixtures.providers
			with data.detection as fixtures.detection
	}
}

test_no_detection_reason_when_nothing_required if {
	deny.reasons == set() with input as json.remove(fixtures.base, ["data/detectors"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as {"categories": []}
}

test_no_model_reason_when_not_scanned if {
	# An unscanned payload is an input problem: model reasons wait for a well-formed request.
	deny.reasons == {_not_scanned("email, health, phone")}
		with input as fixtures.with_patch({"request": {"model": "gpt-9"}, "data": {"detectors": []}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
		with data.detection as fixtures.detection
}
