package kordon.routing_test

import data.kordon.fixtures
import data.kordon.routing

_route(provider, model) := {"provider": provider, "model": model}

test_usable_excludes_foreign_onprem_and_unknown if {
	routing.usable == {"own-ru", "cloud-ru", "cloud-eu", "cloud-us"} with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_offered_limited_when_tenant_lists_models if {
	routing.offered == {["cloud-eu", "m-big"], ["cloud-eu", "m-embed"], ["cloud-us", "m-big"], ["cloud-us", "m-cheap"]}
		with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_required_when_chat_plain if {
	routing.required == {"chat"} with input as fixtures.base
}

test_required_when_chat_tools_and_images if {
	routing.required == {"chat", "tools", "vision"}
		with input as fixtures.with_patch({"request": {"features": {"tools": true, "images": true}}})
}

test_required_when_embeddings if {
	routing.required == {"embeddings"} with input as fixtures.with_patch({"request": {"endpoint": "embeddings"}})
}

test_needed_tokens_when_max_output_known_or_null if {
	routing.needed_tokens == 200 with input as fixtures.base
	routing.needed_tokens == 100 with input as fixtures.with_patch({"request": {"tokens": {"max_output": null}}})
}

test_routes_cheapest_first_when_auto_public if {
	routing.routes == [
		_route("cloud-us", "m-cheap"), # 1
		_route("own-ru", "m-chat"), # 2
		_route("cloud-ru", "m-chat"), # 4
		_route("cloud-ru", "m-vision"), # 6
		_route("cloud-eu", "m-big"), # 10, tie broken by provider id
		_route("cloud-us", "m-big"), # 10
	] with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_tie_broken_by_model_when_same_provider_and_price if {
	catalog := object.union(
		fixtures.providers,
		{"cloud-us": {"models": {"m-cheap": {"price": {"input_per_mtok": 5, "output_per_mtok": 5}}}}},
	)
	routing.routes == [
		_route("own-ru", "m-chat"),
		_route("cloud-ru", "m-chat"),
		_route("cloud-ru", "m-vision"),
		_route("cloud-eu", "m-big"),
		_route("cloud-us", "m-big"),
		_route("cloud-us", "m-cheap"),
	] with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as catalog
}

test_routes_need_tools_and_vision_when_requested if {
	routing.routes == [_route("cloud-eu", "m-big"), _route("cloud-us", "m-big")]
		with input as fixtures.with_patch({"request": {"features": {"tools": true, "images": true}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_skip_small_context_when_prompt_large if {
	routing.routes == [_route("cloud-eu", "m-big"), _route("cloud-us", "m-big")]
		with input as fixtures.with_patch({"request": {"tokens": {"prompt": 900, "max_output": 101}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_fit_exactly_when_context_equals_need if {
	routing.routes[0] == _route("cloud-us", "m-cheap")
		with input as fixtures.with_patch({"request": {"tokens": {"prompt": 900, "max_output": 100}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_embeddings_when_embeddings if {
	routing.routes == [_route("cloud-eu", "m-embed"), _route("own-ru", "m-embed")]
		with input as fixtures.with_patch({"request": {"endpoint": "embeddings", "tokens": {"max_output": null}}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_only_named_model_when_named if {
	routing.routes == [_route("own-ru", "m-chat"), _route("cloud-ru", "m-chat")]
		with input as fixtures.with_patch({"request": {"model": "m-chat"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_follow_residency_when_personal_ru if {
	routing.routes == [_route("own-ru", "m-chat"), _route("cloud-ru", "m-chat"), _route("cloud-ru", "m-vision")]
		with input as fixtures.personal("t-ru", ["RU"])
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_empty_when_named_model_only_outside_region if {
	routing.routes == [] with input as fixtures.with_patch({
		"request": {"model": "m-big"},
		"data": {"sensitivity": "personal", "subjects": ["RU"]},
	})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_list_all_models_when_models_endpoint if {
	routing.routes == [
		_route("cloud-eu", "m-embed"),
		_route("own-ru", "m-embed"),
		_route("cloud-us", "m-cheap"),
		_route("own-ru", "m-chat"),
		_route("cloud-ru", "m-chat"),
		_route("cloud-ru", "m-vision"),
		_route("cloud-eu", "m-big"),
		_route("cloud-us", "m-big"),
	] with input as fixtures.with_patch({"request": {"endpoint": "models", "model": "ignored"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_models_endpoint_follow_data_class if {
	routing.routes == [_route("own-ru", "m-embed"), _route("own-ru", "m-chat")] with input as fixtures.with_patch({
		"request": {"endpoint": "models"},
		"data": {"sensitivity": "special"},
	})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_empty_when_endpoint_unknown if {
	routing.routes == [] with input as fixtures.with_patch({"request": {"endpoint": "images"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_empty_when_tenant_unknown if {
	routing.routes == [] with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_only_named_model_when_tenant_lists_models if {
	routing.routes == [_route("cloud-eu", "m-big"), _route("cloud-us", "m-big")]
		with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}, "request": {"model": "m-big"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_empty_when_named_model_not_listed_for_tenant if {
	# cloud-ru offers m-chat, but t-ae neither lists cloud-ru nor m-chat.
	routing.routes == []
		with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}, "request": {"model": "m-chat"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_routes_list_only_listed_models_when_models_endpoint_and_tenant_lists_models if {
	routing.routes == [
		_route("cloud-eu", "m-embed"),
		_route("cloud-eu", "m-big"),
		_route("cloud-us", "m-big"),
	] with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}, "request": {"endpoint": "models"}})
		with data.tenants as object.union(fixtures.tenants, {"t-ae": {"models": ["m-embed", "m-big", "m-unknown"]}})
		with data.providers as fixtures.providers
}

test_offers_when_usable_provider_has_model_and_tenant_allows_it if {
	routing.offers("m-big") with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
	not routing.offers("m-chat") with input as fixtures.with_patch({"principal": {"tenant": "t-ae"}})
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
	not routing.offers("gpt-9") with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}

test_offers_not_from_foreign_onprem if {
	# Only eu-onprem offers m-only-eu-onprem: t-ru lists eu-onprem but does not own it, t-eu does.
	m_chat := fixtures.providers["eu-onprem"].models["m-chat"]
	catalog := object.union(fixtures.providers, {"eu-onprem": {"models": {"m-only-eu-onprem": m_chat}}})
	not routing.offers("m-only-eu-onprem") with input as fixtures.base
		with data.tenants as fixtures.tenants
		with data.providers as catalog
	routing.offers("m-only-eu-onprem") with input as fixtures.with_patch({"principal": {"tenant": "t-eu"}})
		with data.tenants as fixtures.tenants
		with data.providers as catalog
}

test_serves_when_capable_somewhere if {
	doc := fixtures.with_patch({"request": {"features": {"tools": true}}})
	routing.serves("m-chat") with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
	not routing.serves("m-vision") with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
	not routing.serves("m-embed") with input as doc
		with data.tenants as fixtures.tenants
		with data.providers as fixtures.providers
}
