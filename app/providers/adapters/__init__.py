"""Vendor adapters: OpenAI wire format in, one adapter per provider `kind` out (never pair by
pair). The seam is `base.Adapter`; `registry.Adapters` picks one per configured endpoint."""
