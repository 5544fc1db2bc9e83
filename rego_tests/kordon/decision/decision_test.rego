package kordon.decision_test

# End-to-end decisions against the real bundle data in data/: these tests document what
# the shipped tenants and providers actually get, so they change when that data changes.

import data.kordon.decision
import data.kordon.fixtures

_acme_limits := [
	{"name": "requests_per_minute", "unit": "requests", "limit": 600, "window_s": 60},
	{
		"name": "requests_per_minute_per_key", "unit": "requests", "limit": 300, "window_s": 60,
		"scope": "key:key_test",
	},
	{"name": "tokens_per_minute", "unit": "tokens", "limit": 1000000, "window_s": 60},
	{"name": "budget_per_month", "unit": "usd", "limit": 20000, "window_s": 0},
]

# Everything data/detection/data.yaml requires, as the gateway reports it (sorted).
_scanned := [
	"beliefs", "biometric", "card", "criminal", "email", "health", "iban", "inn",
	"ip", "ogrn", "person_name", "phone", "race_nationality", "ru_passport", "sex_life", "snils",
	"trade_union",
]

_enterprise_quota(subject) := {
	"subject": subject, "limits": _acme_limits,
	"on_store_error": "deny", "max_output_default": 4096,
}

_ru_rule := "personal data of RU subjects is processed only in region ru (152-FZ Art. 18(5))"

_denied(reasons, region, subject) := {
	"version": 1, "allow": false, "reasons": reasons, "region": region, "routes": [],
	"redaction": "block", "quota": {"subject": subject, "limits": []},
	"cache": {"mode": "off", "ttl_s": 0}, "audit": {"level": "metadata", "on_queue_full": "deny"},
}

_doc(tenant, patch) := object.union(
	fixtures.with_patch({"principal": {"tenant": tenant}, "data": {"detectors": _scanned}}),
	patch,
)

test_whole_decision_when_acme_personal_ru if {
	decision == {
		"version": 1, "allow": true, "region": "ru",
		"reasons": [
			_ru_rule,
			"personal data is redacted with pseudonymize before it leaves the gateway (tenant setting)",
			"personal data is audited at metadata level only",
		],
		"routes": [
			{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"},
			{"provider": "cloudru", "model": "qwen2.5-72b-instruct"},
			{"provider": "gigachat", "model": "GigaChat-2-Lite"},
			{"provider": "gigachat", "model": "GigaChat-2-Max"},
		],
		"redaction": "pseudonymize",
		"quota": _enterprise_quota("tenant:acme-ru"),
		# Pseudonymized personal data may be cached: keys and answers hold placeholders only.
		"cache": {
			"mode": "exact", "ttl_s": 3600, "epoch": 1, "sampled": false,
			"baseline": {"provider": "gigachat", "model": "GigaChat-2-Max"},
		},
		"audit": {"level": "metadata", "on_queue_full": "deny"},
	} with input as _doc("acme-ru", {"data": {"sensitivity": "personal", "subjects": ["RU"]}})
}

test_whole_decision_when_acme_named_model_outside_region if {
	decision == _denied(
		[sprintf(
			concat("", [
				"model gpt-4o is available to tenant acme-ru only outside what the residency rule allows ",
				"(region ru: %s; %s); no other model is substituted",
			]),
			[_ru_rule, concat(" ", [
				"no data-subject jurisdiction was detected;",
				"the subjects are presumed to be of the tenant's jurisdiction (RU)",
			])],
		)],
		"ru",
		"tenant:acme-ru",
	) with input as _doc("acme-ru", {"request": {"model": "gpt-4o"}, "data": {"sensitivity": "personal", "subjects": []}})
}

test_whole_decision_when_eu_bank_public_embeddings if {
	decision == {
		"version": 1, "allow": true, "region": "any",
		"reasons": ["public data has no residency constraint; the tenant's allowed providers apply"],
		"routes": [
			{"provider": "openai-us", "model": "text-embedding-3-small"},
			{"provider": "mistral-eu", "model": "mistral-embed"},
		],
		"redaction": "none",
		"quota": _enterprise_quota("tenant:eu-bank"),
		"cache": {
			"mode": "exact", "ttl_s": 3600, "epoch": 1, "sampled": false,
			"baseline": {"provider": "mistral-eu", "model": "mistral-embed"},
		},
		"audit": {"level": "full", "on_queue_full": "deny"},
	} with input as _doc("eu-bank", {"request": {"endpoint": "embeddings", "tokens": {"max_output": null}}})
}

test_routes_eu_only_when_eu_bank_personal if {
	decision.routes == [
		{"provider": "mistral-eu", "model": "mistral-small-latest"},
		{"provider": "mistral-eu", "model": "mistral-large-latest"},
	] with input as _doc("eu-bank", {"data": {"sensitivity": "personal", "subjects": []}})
	decision.redaction == "mask" with input as _doc("eu-bank", {"data": {"sensitivity": "personal", "subjects": []}})
	decision.region == "eu" with input as _doc("eu-bank", {"data": {"sensitivity": "personal", "subjects": []}})
}

test_denied_when_eu_bank_special_without_onprem if {
	decision.allow == false with input as _doc("eu-bank", {"data": {"sensitivity": "special", "subjects": ["EU"]}})
	decision.region == "onprem" with input as _doc("eu-bank", {"data": {"sensitivity": "special", "subjects": ["EU"]}})
}

test_allowed_with_block_when_special_and_block_redaction if {
	# Blocking is the executor's 422, not a deny: the decision stays allowed.
	tenants := object.union(data.tenants, {"acme-ru": {"redaction": {"special": "block"}}})
	doc := _doc("acme-ru", {"data": {"sensitivity": "special", "subjects": []}})
	decision.allow with input as doc with data.tenants as tenants
	decision.redaction == "block" with input as doc with data.tenants as tenants
	decision.routes == [{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"}]
		with input as doc
		with data.tenants as tenants
}

test_gulf_retail_anywhere_when_personal_ae if {
	decision.routes == [
		{"provider": "mistral-eu", "model": "mistral-small-latest"},
		{"provider": "openai-us", "model": "gpt-4o-mini"},
	] with input as _doc("gulf-retail", {"data": {"sensitivity": "personal", "subjects": []}})
	decision.redaction == "pseudonymize"
		with input as _doc("gulf-retail", {"data": {"sensitivity": "personal", "subjects": []}})
}

test_denied_when_gulf_retail_names_unlisted_model if {
	decision == _denied(["model gpt-4o is not allowed for tenant gulf-retail"], "any", "tenant:gulf-retail")
		with input as _doc("gulf-retail", {"request": {"model": "gpt-4o"}})
}

test_models_listed_when_models_endpoint if {
	decision.routes == [
		{"provider": "openai-us", "model": "text-embedding-3-small"},
		{"provider": "mistral-eu", "model": "mistral-embed"},
		{"provider": "mistral-eu", "model": "mistral-small-latest"},
		{"provider": "openai-us", "model": "gpt-4o-mini"},
	] with input as _doc("gulf-retail", {"request": {"endpoint": "models"}})
}

test_denied_by_default_when_input_empty if {
	decision == _denied(
		[
			"contract version null is not supported; this policy implements version 1",
			concat(" ", [
				"data classification null is missing or invalid;",
				"sensitivity must be one of public, internal, confidential, personal, special",
			]),
			"endpoint null is not supported",
			"the request names no tenant",
		],
		"any",
		"",
	) with input as {}
}

test_fallback_reason_when_denied_without_reason if {
	decision.reasons == ["denied by default: the policy produced no decision for this input"] with input as fixtures.base
		with data.kordon.routing.routes as []
		with data.kordon.deny.reasons as set()
}

test_every_field_defaults_when_concerns_undefined if {
	decision == _denied(["denied by default: the policy produced no decision for this input"], "any", "")
		with input as fixtures.base
		with data.kordon.deny as {}
		with data.kordon.region as {}
		with data.kordon.routing as {}
		with data.kordon.quota as {}
}

test_qwen_cheapest_first_across_providers_when_auto if {
	routes := decision.routes with input as _doc("acme-ru", {"data": {"sensitivity": "internal"}})
	[r | some r in routes; r.model == "qwen2.5-72b-instruct"] == [
		{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"},
		{"provider": "cloudru", "model": "qwen2.5-72b-instruct"},
	]

	# mistral-small-latest and the on-prem qwen both cost 0.4 per Mtok: provider id breaks the tie.
	array.slice(routes, 0, 2) == [
		{"provider": "mistral-eu", "model": "mistral-small-latest"},
		{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"},
	]
}

test_quota_standard_tier_when_gulf_retail_allowed if {
	decision.quota == {
		"subject": "tenant:gulf-retail",
		"limits": data.tiers.standard.limits,
		"on_store_error": "deny",
		"max_output_default": 1024,
	} with input as _doc("gulf-retail", {})
}

test_quota_defaults_when_tier_states_neither if {
	tiers := {"enterprise": object.remove(data.tiers.enterprise, ["max_output_default", "on_store_error"])}
	decision.quota == {"subject": "tenant:acme-ru", "limits": _acme_limits, "on_store_error": "deny"}
		with input as _doc("acme-ru", {})
		with data.tiers as tiers
}

test_quota_on_store_error_allow_when_tier_says_so if {
	tiers := object.union(data.tiers, {"enterprise": {"on_store_error": "allow"}})
	decision.quota.on_store_error == "allow" with input as _doc("acme-ru", {}) with data.tiers as tiers
}

test_quota_subject_only_when_denied if {
	# Denied: no limits and none of the tier's quota settings, even when the tier allows on store error.
	tiers := object.union(data.tiers, {"enterprise": {"on_store_error": "allow"}})
	decision.quota == {"subject": "tenant:acme-ru", "limits": []}
		with input as _doc("acme-ru", {"request": {"model": "gpt-9"}})
		with data.tiers as tiers
}

test_denied_when_not_scanned_for_a_required_category if {
	detectors := [c | some c in _scanned; c != "health"]
	decision == _denied(
		["the payload was not scanned for health, which the policy requires; refusing rather than passing it on unexamined"],
		"ru",
		"tenant:acme-ru",
	) with input as _doc("acme-ru", {"data": {"sensitivity": "personal", "subjects": ["RU"], "detectors": detectors}})
}

test_allowed_when_models_endpoint_not_scanned if {
	doc := json.remove(_doc("acme-ru", {"request": {"endpoint": "models"}}), ["data/detectors"])
	decision.allow with input as doc
}

test_scanned_list_matches_bundle_plan if {
	# The full list the decision tests send is exactly what data/detection requires today.
	{c | some c in _scanned} == {c | some c in data.detection.categories}
}
