package kordon.cache_test

import data.kordon.cache
import data.kordon.fixtures

_off := {"mode": "off", "ttl_s": 0, "epoch": 1, "sampled": false}

test_tier_cache_when_not_personal if {
	cache.section == {
		"mode": "exact", "ttl_s": 60, "epoch": 1, "sampled": false,
		"baseline": {"provider": "cloud-eu", "model": "m-big"},
	} with input as fixtures.base
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	cache.reasons == set() with input as fixtures.base
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_tier_semantic_fields_pass_through if {
	tiers := object.union(fixtures.tiers, {"gold": {"cache": {
		"mode": "semantic", "ttl_s": 5, "sampled": true, "min_similarity": 0.95,
	}}})
	section := cache.section with input as fixtures.base
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as tiers
	object.remove(section, ["baseline"]) == {
		"mode": "semantic", "ttl_s": 5, "epoch": 1, "sampled": true, "min_similarity": 0.95,
	}
}

test_cache_off_when_personal_masked if {
	every sensitivity in ["personal"] {
		doc := fixtures.with_patch({"data": {"sensitivity": sensitivity}})
		object.remove(cache.section, ["baseline"]) == _off with input as doc
			with data.providers as fixtures.providers
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
		cache.reasons == {"personal data is cached only when pseudonymized: cache off"}
			with input as doc
			with data.providers as fixtures.providers
			with data.tenants as fixtures.tenants
			with data.tiers as fixtures.tiers
	}
}

test_cache_on_when_special_pseudonymized if {
	# t-ru pseudonymizes special data: keys and answers then hold placeholders only.
	doc := fixtures.with_patch({"data": {"sensitivity": "special", "subjects": ["RU"]}})
	cache.section == {"mode": "exact", "ttl_s": 60, "epoch": 1, "sampled": false}
		with input as doc
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
	cache.reasons == set() with input as doc
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_no_reason_when_personal_and_tier_cache_off if {
	tiers := object.union(fixtures.tiers, {"gold": {"cache": {"mode": "off", "ttl_s": 0}}})
	cache.reasons == set() with input as fixtures.with_patch({"data": {"sensitivity": "personal"}})
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as tiers
}

test_cache_off_when_tenant_unknown if {
	object.remove(cache.section, ["baseline"]) == _off
		with input as fixtures.with_patch({"principal": {"tenant": "nobody"}})
		with data.providers as fixtures.providers
		with data.tenants as fixtures.tenants
		with data.tiers as fixtures.tiers
}

test_baseline_absent_when_only_onprem_routes if {
	tenants := object.union(fixtures.tenants, {"t-ru": {"providers": ["own-ru"]}})
	not cache.baseline with input as fixtures.base
		with data.providers as fixtures.providers
		with data.tenants as tenants
		with data.tiers as fixtures.tiers
}
