package kordon.bundle_test

# Integrity of the real bundle data in data/: references between tenants, providers and
# tiers resolve. (Field shapes are checked against data/schemas/ by scripts/check-policy.sh.)

test_tenant_tiers_exist if {
	every tenant in data.tenants {
		data.tiers[tenant.tier]
	}
}

test_tenant_providers_exist if {
	every tenant in data.tenants {
		every provider_id in tenant.providers {
			data.providers[provider_id]
		}
	}
}

test_tenant_onprem_owned_and_listed if {
	every tenant_id, tenant in data.tenants {
		every provider_id in tenant.onprem {
			data.providers[provider_id].onprem == true
			data.providers[provider_id].owner == tenant_id
			provider_id in tenant.providers
		}
	}
}

test_onprem_owners_are_tenants if {
	every provider in data.providers {
		_owner_known(provider)
	}
}

test_tenant_models_served if {
	every tenant in data.tenants {
		every model in tenant.models {
			_served(tenant, model)
		}
	}
}

test_endpoint_env_names_match_provider_id if {
	every provider_id, provider in data.providers {
		stem := sprintf("KORDON_PROVIDER_%s_", [upper(replace(provider_id, "-", "_"))])
		provider.endpoint.base_url_env == concat("", [stem, "BASE_URL"])
		provider.endpoint.api_key_env == concat("", [stem, "API_KEY"])
	}
}

test_tenants_cover_jurisdictions if {
	{tenant.jurisdiction | some tenant in data.tenants} == {"RU", "EU", "AE"}
}

_owner_known(provider) if provider.onprem == false

_owner_known(provider) if data.tenants[provider.owner]

_served(_, "*")

_served(tenant, model) if {
	some provider_id in tenant.providers
	data.providers[provider_id].models[model]
}
