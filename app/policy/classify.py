"""The classifier seam: scan every text the model will see, once, for the policy and protect.

The scan's findings stay inside the process (the protect step needs their spans); only the
profile — counts per category, sensitivity, subject jurisdictions — goes into the input.
"""

from __future__ import annotations

from typing import Protocol

from app.policy.bundle_data import BundleViews
from app.protect.budget import ScanDeadline
from app.protect.scan import ScanResult, profile_of
from app.protect.texts import iter_texts

__all__ = ["Classifier", "PayloadClassifier"]


class Classifier(Protocol):
    async def classify(
        self, tenant: str, endpoint: str, payload: dict[str, object]
    ) -> ScanResult: ...


class PayloadClassifier:
    """Runs the tenant's detectors, as the newest bundle names them, over every text."""

    def __init__(self, views: BundleViews, budget_s: float) -> None:
        """``budget_s`` bounds each request's scan (it runs on the event loop): past it the
        request is refused with ScanBudgetExceeded, never passed on partly scanned."""
        self._views = views
        self._budget_s = budget_s

    async def classify(self, tenant: str, endpoint: str, payload: dict[str, object]) -> ScanResult:
        view = self._views.current or await self._views.load()
        scanner = view.detection.scanner_for(tenant)
        texts = list(iter_texts(endpoint, payload))
        deadline = ScanDeadline(self._budget_s)
        findings = tuple(tuple(scanner.scan(text, deadline)) for text in texts)
        return ScanResult(findings, profile_of(texts, findings), scanner.scanned)
