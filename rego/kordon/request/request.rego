# METADATA
# title: Request facts
# description: >-
#   Facts about the request that every concern shares: the tenant, its bundle record and its
#   tier, the validated data class, and the jurisdictions of the data subjects. Nothing here
#   allows or denies; kordon.deny turns missing facts into deny reasons.
package kordon.request

# METADATA
# title: Sensitivity levels
# description: The data classes of contract v1, lowest to highest.
sensitivities := ["public", "internal", "confidential", "personal", "special"]

# METADATA
# title: Endpoints
# description: The endpoints of contract v1.
endpoints := {"chat.completions", "embeddings", "models"}

# METADATA
# title: Tenant id
# description: The tenant the principal belongs to; undefined when the input names none.
tenant_id := input.principal.tenant if is_string(input.principal.tenant)

# METADATA
# title: Tenant
# description: The tenant's record in data.tenants; undefined for an unknown tenant.
tenant := data.tenants[tenant_id]

# METADATA
# title: Tier
# description: >-
#   The tenant's tier record in data.tiers, read once for the concerns that use it (quota,
#   retention); undefined for an unknown tenant or tier.
tier := data.tiers[tenant.tier]

# METADATA
# title: Sensitivity
# description: input.data.sensitivity when it is one of the five levels; undefined otherwise.
sensitivity := input.data.sensitivity if input.data.sensitivity in sensitivities

# METADATA
# title: Personal data
# description: True for the personal and special classes, the ones the residency rules govern.
# scope: document
personal if input.data.sensitivity == "personal"

personal if input.data.sensitivity == "special"

# METADATA
# title: Presumed subjects
# description: >-
#   True when the data is personal but the scan placed no subject in a jurisdiction; the
#   subjects are then presumed to be of the tenant's jurisdiction.
presumed if {
	personal
	count(_detected) == 0
}

# METADATA
# title: Subject jurisdictions
# description: >-
#   Jurisdictions of the personal data's subjects (EU member states fold into "EU"); the
#   tenant's jurisdiction when none was detected; empty for non-personal data.
# scope: document
default subjects := set()

subjects := _detected if {
	personal
	count(_detected) > 0
} else := {tenant.jurisdiction} if personal

# METADATA
# title: Own on-prem provider
# description: >-
#   True when the provider is on-prem, listed in the tenant's onprem list, and owned by
#   the tenant: the only place special-category data may go.
own_onprem(provider_id) if {
	data.providers[provider_id].onprem == true
	data.providers[provider_id].owner == tenant_id
	provider_id in tenant.onprem
}

_detected contains _jurisdiction(upper(s)) if {
	some s in input.data.subjects
	is_string(s)
}

# EU member states fold into "EU".
_jurisdiction(code) := "EU" if {
	code in {
		"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
		"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
	}
} else := code
