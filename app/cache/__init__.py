"""Answer caches that never cross a line: tenant, region, redaction, routes and policy epoch.

keys.py          the scope and the canonical fingerprint of a request after redaction
store.py         the CacheStore protocol, and the semantics every store keeps
memory_store.py  the store for one process
redis_store.py   the store replicas share
layered.py       an in-process LRU in front of a shared store
entries.py       what is stored: the answer with placeholders, its usage and route
stream.py        a streamed answer assembled for storage; a stored answer served as a stream
savings.py       per-tenant, per-month counters of what the cache and routing saved
step.py          the executor's cache.lookup / cache.store steps
"""
