# METADATA
# title: Residency (sovereignty)
# description: >-
#   Which providers personal data may reach, and why. Each rule that applies adds a
#   constraint; a provider is permitted when it satisfies every constraint. Non-personal
#   data carries no constraint. Reasons cite only legal points verified in
#   shared/jurisdictions.md; where the restriction is Kordon's own choice they say so.
package kordon.region

import data.kordon.request

# METADATA
# title: Constraints
# description: Ids of the residency rules that apply to this request's data.
# scope: document
constraints contains "ru_localisation" if "RU" in request.subjects

constraints contains "eu_residency" if "EU" in request.subjects

constraints contains "special_onprem" if input.data.sensitivity == "special"

# METADATA
# title: Permitted providers
# description: Ids of the providers in data.providers that satisfy every constraint.
# scope: document
default permitted := set()

permitted := object.keys(data.providers) if count(constraints) == 0

else := intersection({ids | some ids in by_constraint}) if {
	by_constraint := [_permitted_by(constraint) | some constraint in constraints]

	# Fail closed: a constraint without a _permitted_by rule permits no provider.
	count(by_constraint) == count(constraints)
}

# METADATA
# title: Residency
# description: >-
#   The constraint as one word for the decision's region field: "onprem" when only the
#   tenant's own on-prem qualifies, "ru" or "eu" for a single regional rule ("eu" also
#   admits the tenant's own on-prem), "any" when no rule applies.
# scope: document
default residency := "any"

residency := "onprem" if "special_onprem" in constraints

else := "onprem" if {
	"ru_localisation" in constraints
	"eu_residency" in constraints
}

else := "ru" if {
	constraints == {"ru_localisation"}
}

else := "eu" if {
	constraints == {"eu_residency"}
}

# METADATA
# title: Rules
# description: One sentence per constraint that applies, naming the rule and its legal basis.
# scope: document
rules contains "personal data of RU subjects is processed only in region ru (152-FZ Art. 18(5))" if {
	"ru_localisation" in constraints
}

rules contains msg if {
	"eu_residency" in constraints
	msg := concat(" ", [
		"personal data of EU subjects is processed only in region eu or on the tenant's own on-prem",
		"(Kordon rule: GDPR transfer grounds such as Art. 45 adequacy are not modelled yet)",
	])
}

rules contains "special-category data (152-FZ Art. 10–11) is processed only on the tenant's own on-prem" if {
	"special_onprem" in constraints
	"RU" in request.subjects
}

rules contains "special-category data is processed only on the tenant's own on-prem (Kordon rule)" if {
	"special_onprem" in constraints
	not "RU" in request.subjects
}

# METADATA
# title: Notes
# description: How the rules were applied, e.g. presumed subjects, jurisdictions with no rule, non-personal data.
# scope: document
notes contains msg if {
	request.presumed
	msg := sprintf(
		"no data-subject jurisdiction was detected; the subjects are presumed to be of the tenant's jurisdiction (%s)",
		[request.tenant.jurisdiction],
	)
}

notes contains msg if {
	some subject in request.subjects
	not subject in {"RU", "EU"}
	msg := sprintf(
		"no residency rule is modelled for personal data of %s subjects; the tenant's allowed providers apply",
		[subject],
	)
}

notes contains msg if {
	not request.personal
	msg := sprintf("%s data has no residency constraint; the tenant's allowed providers apply", [request.sensitivity])
}

# METADATA
# title: Reasons
# description: Rules and notes together, for an allowed decision.
reasons := rules | notes

# The providers each constraint permits, one set per constraint; permitted intersects them.
_permitted_by("ru_localisation") := {provider_id |
	some provider_id, provider in data.providers
	provider.region == "ru"
}

_permitted_by("eu_residency") := _own_onprem | {provider_id |
	some provider_id, provider in data.providers
	provider.region == "eu"
}

_permitted_by("special_onprem") := _own_onprem

# The tenant's own on-prem providers (request.own_onprem also requires the tenant to list them).
_own_onprem contains provider_id if {
	some provider_id in request.tenant.onprem
	request.own_onprem(provider_id)
}
