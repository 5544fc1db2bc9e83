"""Quotas and budgets: reserve before the upstream call, settle on real usage, refund on failure.

limits.py        Limit, windows (epoch-aligned, or the UTC calendar month), bucket states
amounts.py       what a request costs per limit: requests, tokens, micro-units of currency
tokens.py        offline prompt token counting (kordon-bpe; encodings shipped in encodings/)
store.py         the QuotaStore protocol, and the semantics every store keeps
memory_store.py  the store for one process
redis_store.py   the store replicas share: atomic Lua scripts, server time, Cluster hash tags
limiter.py       Limiter and Reservation for the executor; x-ratelimit-* headers
errors.py        QuotaExceeded, QuotaStoreUnavailable, PriceMismatch
"""
