"""What the cache keeps per answer: the completion as the upstream sent it (placeholders in,
never restored values), the usage it reported, and the route that produced it."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

__all__ = ["Entry"]


@dataclass(frozen=True, slots=True)
class Entry:
    completion: dict[str, object]
    usage: dict[str, int]
    provider: str
    model: str

    def dumps(self) -> bytes:
        return orjson.dumps(
            {"c": self.completion, "u": self.usage, "p": self.provider, "m": self.model}
        )

    @classmethod
    def loads(cls, data: bytes) -> Entry | None:
        """None for anything that is not an entry (a corrupt value is a miss, not an error)."""
        try:
            raw = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(raw, dict):
            return None
        completion, usage = raw.get("c"), raw.get("u")
        provider, model = raw.get("p"), raw.get("m")
        if not (
            isinstance(completion, dict)
            and isinstance(usage, dict)
            and isinstance(provider, str)
            and isinstance(model, str)
        ):
            return None
        counts = {k: v for k, v in usage.items() if isinstance(v, int)}
        return cls(completion, counts, provider, model)
