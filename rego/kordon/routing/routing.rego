# METADATA
# title: Routing
# description: >-
#   Candidate (provider, model) routes: what the tenant may use, what can serve the request,
#   and what the residency rules permit, ordered cheapest first. A named model is never
#   replaced by another one: if it cannot be routed the list is empty and kordon.deny says why.
package kordon.routing

import data.kordon.region
import data.kordon.request

# METADATA
# title: Usable providers
# description: >-
#   Providers the tenant lists that exist in data.providers; an on-prem provider only
#   when it is the tenant's own.
usable contains provider_id if {
	some provider_id in request.tenant.providers
	data.providers[provider_id].onprem == false
}

usable contains provider_id if {
	some provider_id in request.tenant.providers
	request.own_onprem(provider_id)
}

# METADATA
# title: Offered pairs
# description: "[provider, model] pairs the tenant may use at all, whatever the request or data."
offered contains [provider_id, model] if {
	some provider_id in usable
	some model, _ in data.providers[provider_id].models
	_model_allowed(model)
}

# METADATA
# title: Required capabilities
# description: Capabilities the endpoint and the request's features need.
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
needed_tokens := input.request.tokens.prompt + _max_output

# METADATA
# title: Capable pairs
# description: Offered pairs whose model has every required capability and a large enough context.
capable contains [provider_id, model] if {
	some [provider_id, model] in offered
	spec := data.providers[provider_id].models[model]
	every capability in required {
		capability in spec.capabilities
	}
	spec.context_tokens >= needed_tokens
}

# METADATA
# title: Candidates
# description: >-
#   Pairs the decision may list. For "models" every offered pair the data class permits;
#   otherwise capable pairs for the requested model ("auto" = any) that the residency permits.
candidates contains pair if {
	input.request.endpoint == "models"
	some pair in offered
	pair[0] in region.permitted
}

candidates contains [provider_id, model] if {
	input.request.endpoint in {"chat.completions", "embeddings"}
	some [provider_id, model] in capable
	_requested(model)
	provider_id in region.permitted
}

# METADATA
# title: Routes
# description: >-
#   Candidates ordered by price (input + output USD per million tokens), then provider id,
#   then model name, as {"provider", "model"} objects.
routes := [{"provider": provider_id, "model": model} |
	some [_, provider_id, model] in sort({[_price(p, m), p, m] | some [p, m] in candidates})
]

default _max_output := 0

_max_output := input.request.tokens.max_output if is_number(input.request.tokens.max_output)

_model_allowed(_) if "*" in request.tenant.models

_model_allowed(model) if model in request.tenant.models

_requested(_) if input.request.model == "auto"

_requested(model) if input.request.model == model

_price(provider_id, model) := price.input_per_mtok + price.output_per_mtok if {
	price := data.providers[provider_id].models[model].price
}
