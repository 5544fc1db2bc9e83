"""The classifier seam: scan every text the model will see, once, for the policy and protect.

The scan's findings stay inside the process (the protect step needs their spans); only the
profile — counts per category, sensitivity, subject jurisdictions — goes into the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.protect.findings import Finding
from app.protect.scan import DataProfile, Scanner, profile_of
from app.protect.texts import iter_texts

__all__ = ["NO_PAYLOAD", "Classifier", "PayloadClassifier", "ScanResult"]


@dataclass(frozen=True, slots=True)
class ScanResult:
    # One tuple of findings per text, in the order `iter_texts` yields the texts.
    findings: tuple[tuple[Finding, ...], ...]
    profile: DataProfile


# A request without a payload (GET /v1/models) carries no data: public.
NO_PAYLOAD = ScanResult((), DataProfile({}, "public", ()))


class Classifier(Protocol):
    def classify(self, endpoint: str, payload: dict[str, object]) -> ScanResult: ...


class PayloadClassifier:
    """Runs the scanner's detectors over every text of the request."""

    def __init__(self, scanner: Scanner) -> None:
        self._scanner = scanner

    def classify(self, endpoint: str, payload: dict[str, object]) -> ScanResult:
        texts = list(iter_texts(endpoint, payload))
        findings = tuple(tuple(self._scanner.scan(text)) for text in texts)
        return ScanResult(findings, profile_of(texts, findings))
