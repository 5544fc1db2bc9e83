# METADATA
# title: Routing
# description: >-
#   Candidate (provider, model) routes: what the tenant may use, what can serve the request,
#   and what the residency rules permit, ordered cheapest first. A named model is never
#   replaced by another one: if it cannot be routed the list is empty and kordon.deny says why.
#
#   Hot path: the decision evaluates this once per request. Routes are built in one pass over
#   the tenant's usable and permitted providers (a named model is looked up, not searched
#   for) and sorted once as [price, provider, model] tuples.
package kordon.routing

import data.kordon.region
import data.kordon.request

# METADATA
# title: Usable providers
# description: >-
#   Providers the tenant lists that exist in data.providers; an on-prem provider only
#   when it is the tenant's own.
# scope: document
usable contains provider_id if {
	some provider_id in request.tenant.providers
	data.providers[provider_id].onprem == false
}

usable contains provider_id if {
	some provider_id in request.tenant.onprem
	provider_id in request.tenant.providers
	request.own_onprem(provider_id)
}

# METADATA
# title: Offered pairs
# description: "[provider, model] pairs the tenant may use at all, whatever the request or data."
offered contains [provider_id, model] if {
	some provider_id in usable
	some model, _ in _models(provider_id)
}

# METADATA
# title: Offers
# description: True when one of the tenant's usable providers offers the model to the tenant.
offers(model) if {
	_model_allowed(model)
	some provider_id in usable
	data.providers[provider_id].models[model]
}

# METADATA
# title: Serves
# description: True when one of the tenant's usable providers offers the model and it can serve this request.
serves(model) if {
	_model_allowed(model)
	some provider_id in usable
	_fits(data.providers[provider_id].models[model])
}

# METADATA
# title: Required capabilities
# description: Capabilities the endpoint and the request's features need.
# scope: document
required contains "chat" if input.request.endpoint == "chat.completions"

required contains "tools" if {
	input.request.endpoint == "chat.completions"
	input.request.features.tools == true
}

required contains "vision" if {
	input.request.endpoint == "chat.completions"
	input.request.features.images == true
}

required contains "embeddings" if input.request.endpoint == "embeddings"

# METADATA
# title: Needed context
# description: Prompt tokens plus max_output when the request states it.
needed_tokens := input.request.tokens.prompt + max_output if {
	max_output := input.request.tokens.max_output
	is_number(max_output)
} else := input.request.tokens.prompt + 0

# METADATA
# title: Routes
# description: >-
#   Pairs the decision may list, ordered by price (input + output USD per million tokens),
#   then provider id, then model name, as {"provider", "model"} objects. For "models" every
#   offered pair the data class permits; otherwise the pairs that can serve the requested
#   model ("auto" = any) where the residency permits.
routes := [{"provider": provider_id, "model": model} | some [_, provider_id, model] in ranked]

# METADATA
# title: Ranked routes
# description: >-
#   The routes as [price, provider, model] tuples in route order (price is input + output USD
#   per million tokens), for concerns that need a route's price without looking it up again.
ranked := sort(_ranked)

# [price, provider, model] for every route; sorting these tuples gives the route order.
_ranked contains [spec.price.input_per_mtok + spec.price.output_per_mtok, provider_id, model] if {
	input.request.endpoint == "models"
	some provider_id in _routable
	some model, spec in _models(provider_id)
}

_ranked contains [spec.price.input_per_mtok + spec.price.output_per_mtok, provider_id, model] if {
	input.request.model == "auto"
	input.request.endpoint in {"chat.completions", "embeddings"}

	# Bound once outside the loop: a rule reference inside it is resolved per candidate.
	capabilities := required # regal ignore:pointless-reassignment
	tokens := needed_tokens # regal ignore:pointless-reassignment
	some provider_id in _routable
	some model, spec in _models(provider_id)
	object.subset(spec.capabilities, capabilities)
	spec.context_tokens >= tokens
}

_ranked contains [spec.price.input_per_mtok + spec.price.output_per_mtok, provider_id, model] if {
	model := input.request.model
	model != "auto"
	input.request.endpoint in {"chat.completions", "embeddings"}
	_model_allowed(model)
	some provider_id in _routable
	spec := data.providers[provider_id].models[model]
	_fits(spec)
}

# The tenant's usable providers that the residency rules permit.
_routable := usable & region.permitted

_fits(spec) if {
	object.subset(spec.capabilities, required)
	spec.context_tokens >= needed_tokens
}

_model_allowed(_) if "*" in request.tenant.models

_model_allowed(model) if model in request.tenant.models

# The models of a usable provider that the tenant may use, as {name: spec}; one call per
# provider instead of one check per model.
_models(provider_id) := data.providers[provider_id].models if "*" in request.tenant.models

else := object.filter(data.providers[provider_id].models, request.tenant.models)
