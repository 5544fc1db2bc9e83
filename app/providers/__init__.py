"""Providers: the catalog of configured endpoints, the upstream client and route fallback."""
