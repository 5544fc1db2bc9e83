# METADATA
# title: Cache
# description: >-
#   Whether the gateway may answer from its cache and keep answers in it, for how long, under
#   which epoch, and which cloud route the savings report prices a request against. The mode
#   and TTL come from the tenant's tier. Personal and special data are cached only when they
#   are pseudonymized: keys and stored answers then hold placeholders, never a value.
package kordon.cache

import data.kordon.redaction
import data.kordon.request
import data.kordon.routing

# METADATA
# title: Epoch
# description: >-
#   The cache epoch of this policy. Bump it in a change that alters answers (routes, models,
#   redaction, prompts the gateway adds): every cache key carries it, so a new epoch starts
#   from an empty cache and the old entries age out by their TTL.
epoch := 1

# METADATA
# title: Section
# description: >-
#   The decision's cache: mode (off, exact or semantic), ttl_s, epoch, sampled (whether answers
#   to requests with temperature above 0 may be cached), min_similarity (semantic mode) and,
#   when the decision has a cloud route, the savings baseline route. Off when not allowed.
# scope: document
section := object.union_n([_off, _tier, _baseline])

_off := {"mode": "off", "ttl_s": 0, "epoch": epoch, "sampled": false}

default _tier := {}

_tier := object.filter(request.tier.cache, {"mode", "ttl_s", "sampled", "min_similarity"}) if {
	_cacheable
}

_cacheable if not request.personal

_cacheable if redaction.level == "pseudonymize"

# METADATA
# title: Baseline
# description: >-
#   The all-cloud baseline: the costliest cloud (not on-prem) route among the decision's routes,
#   by input plus output price per million tokens (ties: the first). What the request would
#   have cost had every call gone straight to the priciest cloud model the policy allows.
baseline := _cloud[0][2] if count(_cloud) > 0

# Hot path: the price comes with the ranked route; only the on-prem flag is looked up.
_cloud := sort([[0 - price, i, {"provider": provider_id, "model": model}] |
	some i, [price, provider_id, model] in routing.ranked
	not data.providers[provider_id].onprem
])

default _baseline := {}

_baseline := {"baseline": baseline}

# METADATA
# title: Reasons
# description: Why the tier's cache is off for this request.
# scope: document
reasons contains "personal data is cached only when pseudonymized: cache off" if {
	request.personal
	not _cacheable
	request.tier.cache.mode != "off"
}
