"""HTTP edge: OpenAI-compatible routes, health, and the OpenAI error format."""
