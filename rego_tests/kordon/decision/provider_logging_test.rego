package kordon.decision_test

# Provider-side logging is off unless the tenant's data allows it, and never for personal data.

import data.kordon.decision
import data.kordon.fixtures

_logging_tenants := object.union(data.tenants, {"acme-ru": {"provider_logging": true}})

_internal := fixtures.with_patch({
	"principal": {"tenant": "acme-ru"},
	"data": {"detectors": _scanned, "sensitivity": "internal"},
})

test_provider_logging_undefined_when_tenant_silent if {
	decision.allow with input as _internal
	not decision.provider_logging with input as _internal
	not "provider_logging" in object.keys(decision) with input as _internal
}

test_provider_logging_when_tenant_allows_and_data_internal if {
	decision.provider_logging with input as _internal with data.tenants as _logging_tenants
}

test_provider_logging_undefined_when_personal_even_if_tenant_allows if {
	doc := object.union(_internal, {"data": {"sensitivity": "personal", "subjects": ["RU"]}})
	decision.allow with input as doc with data.tenants as _logging_tenants
	not decision.provider_logging with input as doc with data.tenants as _logging_tenants
}

test_provider_logging_undefined_when_denied if {
	doc := object.union(_internal, {"principal": {"tenant": "no-such-tenant"}})
	not decision.provider_logging with input as doc with data.tenants as _logging_tenants
}
