# METADATA
# title: Deny reasons
# description: >-
#   Every reason to refuse the request outright (403). Input problems come first; reasons
#   about a named model are given only for a well-formed request; the generic "no route"
#   reason only when nothing more specific explains an empty route list.
package kordon.deny

import data.kordon.detection
import data.kordon.region
import data.kordon.request
import data.kordon.routing

# METADATA
# title: Reasons
# description: All deny reasons; the request is allowed only when this set is empty and routes exist.
reasons := (input_reasons | model_reasons) | route_reasons

# METADATA
# title: Input reasons
# description: The input document does not let the policy decide.
# scope: document
input_reasons contains msg if {
	not input.version == 1
	msg := sprintf("contract version %s is not supported; this policy implements version 1", [_json(["version"])])
}

input_reasons contains "the request names no tenant" if not request.tenant_id

input_reasons contains msg if {
	not request.tenant
	msg := sprintf("tenant %s is not known", [request.tenant_id])
}

input_reasons contains msg if {
	not request.sensitivity
	msg := sprintf(
		"data classification %s is missing or invalid; sensitivity must be one of %s",
		[_json(["data", "sensitivity"]), concat(", ", request.sensitivities)],
	)
}

input_reasons contains msg if {
	not _known_endpoint
	msg := sprintf("endpoint %s is not supported", [_json(["request", "endpoint"])])
}

input_reasons contains msg if {
	input.request.endpoint in {"chat.completions", "embeddings"}
	not _valid_tokens
	msg := sprintf(
		"token counts %s are invalid; prompt must be a non-negative integer and max_output a non-negative integer or null",
		[_json(["request", "tokens"])],
	)
}

input_reasons contains msg if {
	input.request.endpoint in {"chat.completions", "embeddings"}
	not _model_is_string
	msg := sprintf(`model %s is invalid; it must be a model name or "auto"`, [_json(["request", "model"])])
}

input_reasons contains msg if {
	input.request.endpoint in {"chat.completions", "embeddings"}
	not detection.complete
	missing := detection.missing
	count(missing) > 0
	msg := sprintf(
		"the payload was not scanned for %s, which the policy requires; refusing rather than passing it on unexamined",
		[concat(", ", sort(missing))],
	)
}

# METADATA
# title: Model reasons
# description: Why a named model cannot be routed; the policy never substitutes another model.
# scope: document
model_reasons contains msg if {
	# Like every body below, undefined unless a well-formed request names a model:
	# `not f(x)` is undefined, not true, when x is.
	not routing.offers(_named_model)
	msg := sprintf("model %s is not allowed for tenant %s", [_named_model, request.tenant_id])
}

model_reasons contains msg if {
	routing.offers(_named_model)
	not routing.serves(_named_model)
	msg := sprintf(
		"model %s cannot serve this request: it needs capabilities [%s] and a context of at least %d tokens",
		[_named_model, concat(", ", sort(routing.required)), routing.needed_tokens],
	)
}

model_reasons contains msg if {
	routing.serves(_named_model)
	count(routing.routes) == 0
	msg := sprintf(
		"model %s is available to tenant %s only outside what the residency rule allows (region %s: %s); %s",
		[_named_model, request.tenant_id, region.residency, _rule_text, "no other model is substituted"],
	)
}

# METADATA
# title: Route reasons
# description: No route satisfies all constraints and no more specific reason explains why.
route_reasons contains msg if {
	count(input_reasons | model_reasons) == 0
	count(routing.routes) == 0
	msg := sprintf("no route satisfies all constraints: %s", [_constraints])
}

# A helper, because `not is_string(x)` is undefined, not true, when x is undefined.
_model_is_string if is_string(input.request.model)

# A helper for the same reason as _model_is_string.
_known_endpoint if input.request.endpoint in request.endpoints

_named_model := input.request.model if {
	input.request.model != "auto"
	input.request.endpoint in {"chat.completions", "embeddings"}
	count(input_reasons) == 0
}

_valid_tokens if {
	_count(input.request.tokens.prompt)
	_count(object.get(input.request.tokens, "max_output", null))
}

_count(n) if {
	is_number(n)
	n == floor(n)
	n >= 0
}

_count(null)

_rule_text := concat("; ", array.concat(sort(region.rules), sort(region.notes)))

_constraints := sprintf("models for tenant %s, data class %s, residency %s (%s)", [
	request.tenant_id, request.sensitivity, region.residency, _rule_text,
]) if {
	input.request.endpoint == "models"
}

_constraints := sprintf(
	"model %s with capabilities [%s] and a context of at least %d tokens, residency %s (%s)",
	[
		input.request.model, concat(", ", sort(routing.required)), routing.needed_tokens,
		region.residency, _rule_text,
	],
) if {
	input.request.endpoint != "models"
}

default _json(_) := "null"

_json(path) := json.marshal(object.get(input, path, null)) if is_object(input)
