"""Quotas and budgets: reserve before the upstream call, settle on real usage, refund on failure."""
