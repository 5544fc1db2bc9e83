"""The executor's protect step: carry out the decision's redaction on every text.

none          pass through
block         refuse (422) naming the categories found, never the values
mask          irreversible, format-preserving where it helps the model
pseudonymize  stable placeholders; the originals go back into the answer
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import orjson

from app.errors import DataBlocked
from app.protect.findings import Finding
from app.protect.mask import mask
from app.protect.pseudonymize import Pseudonymizer
from app.protect.restore import restore
from app.protect.scan import ScanResult
from app.protect.sse import SseRestorer
from app.protect.texts import map_texts
from app.protect.vault import PseudonymVault, SessionScope, VaultUnavailable

__all__ = ["Protected", "Protector", "json_escaped"]

log = logging.getLogger("kordon.protect")


@dataclass(frozen=True, slots=True)
class Protected:
    payload: dict[str, object]
    mapping: Mapping[str, str] = field(default_factory=dict)

    def restore_body(self, body: bytes) -> bytes:
        """Restore placeholders in a non-streamed chat completion."""
        if not self.mapping:
            return body
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # not a completion: nothing to restore, and placeholders are no leak
        if not isinstance(document, dict):
            return body
        for choice in document.get("choices") or ():
            message = choice.get("message") or {}
            if isinstance(message.get("content"), str):
                message["content"] = restore(message["content"], self.mapping)
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                if isinstance(function.get("arguments"), str):
                    function["arguments"] = restore(
                        function["arguments"], json_escaped(self.mapping)
                    )
        return orjson.dumps(document)

    def stream_restorer(self) -> SseRestorer | None:
        if not self.mapping:
            return None
        return SseRestorer(self.mapping, json_escaped(self.mapping))


def json_escaped(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping for text inside JSON strings (tool-call arguments): values JSON-escaped, so a
    restored quote or backslash cannot break the arguments' JSON."""
    return {key: orjson.dumps(value).decode()[1:-1] for key, value in mapping.items()}


class Protector:
    """Carries out the redaction; under a session, placeholders stay stable across requests."""

    def __init__(self, vault: PseudonymVault, session_ttl_s: float) -> None:
        self._vault = vault
        self._ttl_s = session_ttl_s

    async def protect(
        self,
        redaction: str,
        endpoint: str,
        payload: dict[str, object],
        scan: ScanResult,
        session: SessionScope | None,
    ) -> Protected:
        if redaction == "block":
            found = ", ".join(sorted(scan.profile.categories)) or "none detected"
            raise DataBlocked(
                f"policy blocks sending this data to a model (categories found: {found})"
            )
        # A session's earlier placeholders are restored even when this request adds none.
        known = await self._load(session) if session else {}
        if redaction == "none" or not scan.profile.categories:
            return Protected(payload, known)
        per_text: Iterator[tuple[Finding, ...]] = iter(scan.findings)
        if redaction == "mask":
            masked = map_texts(endpoint, payload, lambda text: mask(text, next(per_text)))
            return Protected(masked, known)
        pseudonymizer = Pseudonymizer(known)
        protected = map_texts(
            endpoint, payload, lambda text: pseudonymizer.apply(text, next(per_text))
        )
        mapping = dict(pseudonymizer.mapping)
        if session and len(mapping) > len(known):
            await self._save(session, mapping)
        return Protected(protected, mapping)

    async def _load(self, session: SessionScope) -> dict[str, str]:
        try:
            return await self._vault.load(session)
        except VaultUnavailable as exc:
            # Placeholders fall back to this request's own; nothing unprotected leaves.
            log.warning("pseudonym vault unavailable on load: %s", exc)
            return {}

    async def _save(self, session: SessionScope, mapping: Mapping[str, str]) -> None:
        try:
            await self._vault.save(session, mapping, self._ttl_s)
        except VaultUnavailable as exc:
            log.warning("pseudonym vault unavailable on save: %s", exc)
