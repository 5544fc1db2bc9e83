"""The scanner: run the chosen detectors over a text or a request, and profile what it holds.

``Scanner.scan`` merges the detectors' findings into one non-overlapping list: where spans
overlap, the longest wins, then the most specific category (a СНИЛС over the phone that the
same eleven digits also spell), then the earliest. ``Scanner.profile`` turns a whole request
into the policy input's ``data`` section: counts per category, a sensitivity level and
jurisdiction hints. It reads values only to derive hints and never returns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

from app.protect.budget import ScanDeadline

# Concrete detector modules, never the package: detectors/__init__ only re-exports them, so
# the imports run one way (scan -> detectors.<family> -> detectors.base).
from app.protect.detectors.base import Detector
from app.protect.detectors.email import EmailDetector
from app.protect.detectors.lexicon import SPECIAL_CATEGORIES, LexiconDetector
from app.protect.detectors.name_rules import RuleNameDetector
from app.protect.detectors.network import IpDetector
from app.protect.detectors.patterns import PatternDetector
from app.protect.detectors.payment import CardDetector, IbanDetector
from app.protect.detectors.phone import PhoneDetector, national_regions, phone_region
from app.protect.detectors.ru_ids import RussianIdDetector
from app.protect.findings import Finding
from app.protect.prefilter import Prefilter
from app.protect.texts import iter_texts

__all__ = [
    "NO_PAYLOAD",
    "DataProfile",
    "ScanResult",
    "Scanner",
    "default_scanner",
    "jurisdiction",
    "profile_of",
]

# Most specific first. Categories not listed (tenant patterns) rank after the built-in
# identifiers and before the lexicon, whose words never overlap a number anyway.
_SPECIFICITY = {
    name: rank
    for rank, name in enumerate(
        ("ru_passport", "snils", "inn", "ogrn", "iban", "card", "email", "phone", "ip")
    )
}
_UNLISTED_RANK = len(_SPECIFICITY)
_LOWEST_RANK = _UNLISTED_RANK + 1

_RU_IDENTIFIERS = frozenset({"ru_passport", "snils", "inn", "ogrn"})
# GDPR applies in the EU and, through the EEA agreement, in Iceland, Liechtenstein and Norway.
_GDPR_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("IS", "LI", "NO"),
    }
)
# French overseas departments have their own phone regions but are in the EU.
_EU_OUTERMOST = frozenset({"GF", "GP", "MQ", "RE", "YT", "MF"})


@dataclass(frozen=True, slots=True)
class DataProfile:
    """What personal data a request carries, without the data: the policy input's ``data``."""

    categories: dict[str, int]
    sensitivity: str
    subjects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One request's scan: the findings stay in the process (protect needs their spans), the
    profile goes into the policy input."""

    # One tuple of findings per text, in the order `iter_texts` yields the texts.
    findings: tuple[tuple[Finding, ...], ...]
    profile: DataProfile
    # The categories the texts were scanned for (the policy checks it asked for them all).
    scanned: tuple[str, ...]


# A request without a payload (GET /v1/models) carries no data: public.
NO_PAYLOAD = ScanResult((), DataProfile({}, "public", ()), ())


def jurisdiction(country: str) -> str:
    """The jurisdiction hint for an ISO country: "EU" for the GDPR area, else the code."""
    return "EU" if country in _GDPR_COUNTRIES or country in _EU_OUTERMOST else country


def _subject(category: str, value: str) -> str | None:
    """Jurisdiction hint for one finding, from its value; never the value itself."""
    if category in _RU_IDENTIFIERS:
        return "RU"
    if category == "phone":
        region = phone_region(value)
        return jurisdiction(region) if region and region.isalpha() else None
    if category == "iban":
        return jurisdiction(value[:2])
    return None


def _priority(finding: Finding) -> tuple[int, int, int]:
    rank = _SPECIFICITY.get(finding.category, _UNLISTED_RANK)
    if finding.category in SPECIAL_CATEGORIES or finding.category == "person_name":
        rank = _LOWEST_RANK
    return (finding.start - finding.end, rank, finding.start)


def _resolve(cluster: list[Finding]) -> list[Finding]:
    """Pick non-overlapping findings from a cluster of overlapping ones, best first."""
    chosen: list[Finding] = []
    for finding in sorted(cluster, key=_priority):
        if all(finding.end <= kept.start or kept.end <= finding.start for kept in chosen):
            chosen.append(finding)
    chosen.sort(key=lambda finding: finding.start)
    return chosen


def _find_within(detectors: Iterable[Detector], text: str, deadline: ScanDeadline) -> list[Finding]:
    found: list[Finding] = []
    with deadline.active():  # costly detectors also check it per candidate
        for detector in detectors:
            deadline.check()
            for finding in detector.find(text):
                found.append(finding)
                deadline.check()
    return found


class Scanner:
    """Runs a fixed tuple of detectors; optionally reports only some categories."""

    def __init__(self, detectors: Iterable[Detector], only: Iterable[str] | None = None) -> None:
        """Use ``detectors``; with ``only``, drop findings of any other category."""
        self.detectors = tuple(detectors)
        # Detectors may declare an RE2 `hint` (see app.protect.prefilter); one pass over a
        # text skips those that cannot match it.
        self._prefilter = Prefilter([getattr(d, "hint", None) for d in self.detectors])
        available = frozenset(chain.from_iterable(d.categories for d in self.detectors))
        self.categories = available if only is None else available & frozenset(only)
        # What a scan result reports as scanned for: sorted once, not per request.
        self.scanned = tuple(sorted(self.categories))
        self._filter = only is not None and self.categories != available
        self._subsets: dict[frozenset[str], Scanner] = {}

    def for_categories(self, names: Iterable[str]) -> Scanner:
        """A scanner running only the detectors for ``names`` (cached per set of names).

        Raise ValueError for a name no detector here provides: the policy asked for a
        detection this gateway cannot do, and skipping it silently would pass the data on.
        """
        wanted = frozenset(names)
        subset = self._subsets.get(wanted)
        if subset is None:
            missing = wanted - self.categories
            if missing:
                raise ValueError(f"no detector for categories: {', '.join(sorted(missing))}")
            subset = Scanner((d for d in self.detectors if d.categories & wanted), only=wanted)
            self._subsets[wanted] = subset
        return subset

    def scan(self, text: str, deadline: ScanDeadline | None = None) -> list[Finding]:
        """All findings in ``text``, sorted by start, with overlaps resolved; with a
        ``deadline``, raise ScanBudgetExceeded once it passes (checked between detectors and
        findings), so no text holds the worker past the budget by more than one pass."""
        if not text:
            return []
        runnable = self._prefilter.runnable(text)
        detectors = self.detectors
        chosen = [detectors[i] for i in runnable] if len(runnable) < len(detectors) else detectors
        if deadline is None:
            found = [f for detector in chosen for f in detector.find(text)]
        else:
            found = _find_within(chosen, text, deadline)
        if self._filter:
            found = [f for f in found if f.category in self.categories]
        found.sort(key=lambda finding: (finding.start, finding.end))
        result: list[Finding] = []
        cluster: list[Finding] = []
        cluster_end = -1
        for finding in found:
            if finding.start >= cluster_end and cluster:
                result.extend(_resolve(cluster) if len(cluster) > 1 else cluster)
                cluster = []
            cluster.append(finding)
            cluster_end = max(cluster_end, finding.end) if len(cluster) > 1 else finding.end
        result.extend(_resolve(cluster) if len(cluster) > 1 else cluster)
        return result

    def profile(self, endpoint: str, payload: dict[str, object]) -> DataProfile:
        """Counts per category, sensitivity and jurisdiction hints for a whole request."""
        texts = list(iter_texts(endpoint, payload))
        return profile_of(texts, [self.scan(text) for text in texts])


def profile_of(texts: Sequence[str], findings: Sequence[Sequence[Finding]]) -> DataProfile:
    """The profile of texts already scanned; ``findings[i]`` are the findings in ``texts[i]``."""
    counts: dict[str, int] = {}
    subjects: set[str] = set()
    for text, found in zip(texts, findings, strict=True):
        for finding in found:
            counts[finding.category] = counts.get(finding.category, 0) + 1
            subject = _subject(finding.category, text[finding.start : finding.end])
            if subject is not None:
                subjects.add(subject)
    if not SPECIAL_CATEGORIES.isdisjoint(counts):
        sensitivity = "special"
    elif counts:
        # Tenant pattern categories count as personal too: the cautious reading.
        sensitivity = "personal"
    else:
        sensitivity = "internal"
    return DataProfile(dict(sorted(counts.items())), sensitivity, tuple(sorted(subjects)))


def default_scanner(
    patterns: Iterable[Mapping[str, str]] = (),
    lexicon: Mapping[str, Iterable[str]] | None = None,
    jurisdiction: str | None = None,
) -> Scanner:
    """Every built-in detector (person names by rules, not the NER model), plus tenant
    ``patterns`` and ``lexicon``; the tenant's ``jurisdiction`` adds its national phone formats."""
    detectors: list[Detector] = [
        EmailDetector(),
        PhoneDetector(national_regions(jurisdiction)),
        RussianIdDetector(),
        CardDetector(),
        IbanDetector(),
        IpDetector(),
        LexiconDetector(extra=lexicon),
        RuleNameDetector(),
    ]
    tenant = PatternDetector(patterns)
    if tenant.categories:
        detectors.append(tenant)
    return Scanner(detectors)
