"""The classifier seam: scan every text the model will see, once, for the policy and protect.

The scan's findings stay inside the process (the protect step needs their spans); only the
profile — counts per category, sensitivity, subject jurisdictions — goes into the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.policy.bundle_data import BundleViews
from app.protect.findings import Finding
from app.protect.scan import DataProfile, profile_of
from app.protect.texts import iter_texts

__all__ = ["NO_PAYLOAD", "Classifier", "PayloadClassifier", "ScanResult"]


@dataclass(frozen=True, slots=True)
class ScanResult:
    # One tuple of findings per text, in the order `iter_texts` yields the texts.
    findings: tuple[tuple[Finding, ...], ...]
    profile: DataProfile
    # The categories the texts were scanned for (the policy checks it asked for them all).
    scanned: tuple[str, ...]


# A request without a payload (GET /v1/models) carries no data: public.
NO_PAYLOAD = ScanResult((), DataProfile({}, "public", ()), ())


class Classifier(Protocol):
    async def classify(
        self, tenant: str, endpoint: str, payload: dict[str, object]
    ) -> ScanResult: ...


class PayloadClassifier:
    """Runs the tenant's detectors, as the newest bundle names them, over every text."""

    def __init__(self, views: BundleViews) -> None:
        self._views = views

    async def classify(self, tenant: str, endpoint: str, payload: dict[str, object]) -> ScanResult:
        view = self._views.current or await self._views.load()
        scanner = view.detection.scanner_for(tenant)
        texts = list(iter_texts(endpoint, payload))
        findings = tuple(tuple(scanner.scan(text)) for text in texts)
        return ScanResult(findings, profile_of(texts, findings), tuple(sorted(scanner.categories)))
