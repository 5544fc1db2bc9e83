"""Which detectors scan a tenant's requests, as the bundle says.

`data.detection.categories` is scanned for every request; a tenant's
`detection.categories` adds to it and its `detection.patterns` add its own identifiers.
Person names are found by rules (`RuleNameDetector`, part of every scanner); a tenant's
`detection.name_model: ner` adds natasha's NER as a second opinion (and `person_name` to its
categories), loaded when its plan is built. `data.detection.lexicon` extends the built-in
special-category lexicons. The scanned categories go into the input document, and the policy
refuses a request that was not scanned for what it requires, so a stale plan fails closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from app.errors import PolicyUnavailable
from app.protect.detectors.base import DetectorUnavailableError
from app.protect.detectors.names import NatashaNameDetector
from app.protect.scan import Scanner, default_scanner

__all__ = ["DetectionPlans"]

NAMES = "person_name"
NER = "ner"


def _with_ner(scanner: Scanner) -> Scanner:
    """``scanner`` plus the NER name detector, its model loaded now (a missing one fails here)."""
    detector = NatashaNameDetector()
    detector.load()
    return Scanner((*scanner.detectors, detector), only=scanner.categories)


class DetectionPlans:
    """One scanner per tenant for one bundle revision, built on first use."""

    def __init__(self, detection: Mapping[str, Any], tenants: Mapping[str, Any]) -> None:
        self._base = [str(c) for c in detection.get("categories") or ()]
        self._lexicon: Mapping[str, list[str]] = detection.get("lexicon") or {}
        self._tenants = tenants
        self._scanners: dict[str, Scanner] = {}

    def prepare(self) -> None:
        """Build every tenant's scanner now (loading the NER model if one asks for it), so no
        request pays for it; a plan that cannot be built fails its tenant's requests later."""
        for tenant in self._tenants:
            with contextlib.suppress(PolicyUnavailable):
                self.scanner_for(tenant)

    def scanner_for(self, tenant: str) -> Scanner:
        scanner = self._scanners.get(tenant)
        if scanner is None:
            scanner = self._scanners[tenant] = self._build(tenant)
        return scanner

    def _build(self, tenant: str) -> Scanner:
        spec = (self._tenants.get(tenant) or {}).get("detection") or {}
        patterns = list(spec.get("patterns") or ())
        wanted = {*self._base, *spec.get("categories", ()), *(p["category"] for p in patterns)}
        ner = spec.get("name_model") == NER
        if ner:
            wanted.add(NAMES)
        try:
            jurisdiction = (self._tenants.get(tenant) or {}).get("jurisdiction")
            scanner = default_scanner(patterns, self._lexicon, jurisdiction)
            if ner:
                scanner = _with_ner(scanner)
            return scanner.for_categories(wanted)
        except (ValueError, DetectorUnavailableError) as exc:
            # The bundle asks for a detection this gateway cannot do: refuse, never skip it.
            raise PolicyUnavailable(
                f"detection plan of tenant {tenant} cannot be built: {exc}",
                code="detection_unavailable",
            ) from exc
