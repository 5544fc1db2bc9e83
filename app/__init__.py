"""Kordon: a policy-as-code LLM gateway."""
