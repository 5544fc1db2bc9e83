"""The semantic layer: a chat request whose last user message says what a cached one said, in
other words, is answered with that one's answer.

Only the last user message is compared by meaning; everything else must match exactly, so it
is hashed into the semantic scope with the exact key's scope (tenant, region, redaction,
routes, epoch, endpoint): the earlier messages, the system prompt, tools and every sampling
parameter. A hit needs the decision's ``min_similarity`` and every guard in ``guards.py`` (no
different number, date, name, negation or language). Prompts longer than ``max_chars`` are
matched exactly only: in a long text one changed detail barely moves the embedding.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from app.cache.embedder import Embedder, UseEmbedder, Vectors
from app.cache.guards import Signature, mismatch, signature
from app.cache.keys import Scope, fingerprint
from app.cache.semantic_index import Candidate, SemanticIndex

__all__ = ["Probe", "SemanticCache", "question"]

log = logging.getLogger("kordon.cache")


@dataclass(frozen=True, slots=True)
class Probe:
    """A request's prompt as the semantic layer compares it, and the scope it is kept under."""

    scope: str
    vector: Vectors
    signature: Signature


class SemanticCache:
    def __init__(
        self,
        embedder: Embedder | None = None,
        index: SemanticIndex | None = None,
        max_chars: int = 2_000,
    ) -> None:
        self._embedder = embedder or UseEmbedder()
        self._index = index or SemanticIndex()
        self._max_chars = max_chars

    async def probe(self, scope: Scope, payload: Mapping[str, object]) -> Probe | None:
        """The request's probe, or None when it has no comparable prompt (or the model fails)."""
        asked = question(scope, payload)
        if asked is None or len(asked[1]) > self._max_chars:
            return None
        semantic_scope, text = asked
        try:
            vectors = await asyncio.to_thread(self._embedder.embed, [text])
        except Exception:  # the cache only saves work: a broken model means exact-only
            log.exception("semantic cache: embedding failed")
            return None
        return Probe(semantic_scope, vectors[0], signature(text))

    def matches(self, probe: Probe, min_similarity: float) -> list[Candidate]:
        """Cached prompts close enough to the probe that no guard rejects, closest first."""
        found = self._index.search(probe.scope, probe.vector, min_similarity)
        return [c for c in found if mismatch(probe.signature, c.signature) is None]

    def remember(self, probe: Probe, key: str, ttl_s: int) -> None:
        self._index.add(probe.scope, key, probe.vector, probe.signature, ttl_s)

    def forget(self, probe: Probe, key: str) -> None:
        self._index.forget(probe.scope, key)


def question(scope: Scope, payload: Mapping[str, object]) -> tuple[str, str] | None:
    """(semantic scope, last user message) of a chat request, or None if it ends otherwise.

    The scope is the exact key of the request with that message's text taken out.
    """
    messages = payload.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    text = _text(last.get("content"))
    if text is None or not text.strip():
        return None
    context = {**payload, "messages": [*messages[:-1], {**last, "content": None}]}
    return fingerprint(scope, context), text


def _text(content: object) -> str | None:
    """A message's text: a string, or content parts that are all text (an image is not)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
    if len(texts) != len(content) or not all(isinstance(t, str) for t in texts):
        return None
    return "\n".join(t for t in texts if isinstance(t, str))
