"""Detection plans follow the bundle: base categories, tenant additions, patterns, lexicon."""

from __future__ import annotations

import pytest

from app.errors import PolicyUnavailable
from app.policy.detection import DetectionPlans

BASE = {"categories": ["email", "phone", "health"], "lexicon": {"health": ["zombification"]}}
TENANTS = {
    "plain": {},
    "contracts": {
        "detection": {"patterns": [{"category": "contract_number", "regex": r"\bKD-\d{6}\b"}]}
    },
    "names": {"detection": {"categories": ["person_name"]}},
    "broken": {"detection": {"categories": ["horoscope"]}},
}


def _categories(tenant: str, text: str) -> list[str]:
    scanner = DetectionPlans(BASE, TENANTS).scanner_for(tenant)
    return [finding.category for finding in scanner.scan(text)]


def test_base_categories_only() -> None:
    plans = DetectionPlans(BASE, TENANTS)
    assert plans.scanner_for("plain").categories == {"email", "phone", "health"}
    # A category the bundle does not ask for is not reported (an IBAN here).
    assert _categories("plain", "mail a@b.ru, IBAN DE89 3704 0044 0532 0130 00") == ["email"]


def test_bundle_lexicon_extends_the_builtin_one() -> None:
    assert _categories("plain", "history of zombification") == ["health"]


def test_tenant_patterns_add_their_category() -> None:
    assert _categories("contracts", "see KD-123456 and a@b.ru") == ["contract_number", "email"]
    assert "contract_number" not in DetectionPlans(BASE, TENANTS).scanner_for("plain").categories


def test_a_tenant_can_switch_names_on() -> None:
    plans = DetectionPlans(BASE, TENANTS)
    assert "person_name" in plans.scanner_for("names").categories
    assert "person_name" not in plans.scanner_for("plain").categories
    assert _categories("names", "Позвоните Ивану Петрову завтра") == ["person_name"]


def test_a_plan_the_gateway_cannot_carry_out_fails_closed() -> None:
    with pytest.raises(PolicyUnavailable) as caught:
        DetectionPlans(BASE, TENANTS).scanner_for("broken")
    assert caught.value.code == "detection_unavailable"
    assert "horoscope" in caught.value.message


def test_prepare_builds_every_plan_and_tolerates_a_broken_one() -> None:
    plans = DetectionPlans(BASE, TENANTS)
    plans.prepare()
    assert plans.scanner_for("contracts") is plans.scanner_for("contracts")


def test_a_tenants_jurisdiction_adds_its_national_phone_format() -> None:
    tenants = {"gulf": {"jurisdiction": "AE"}, "eu": {"jurisdiction": "EU"}, "ru": {}}
    plans = DetectionPlans(BASE, tenants)
    text = "звоните 050 123 4567 или 06 12 34 56 78"
    found = {t: [text[f.start : f.end] for f in plans.scanner_for(t).scan(text)] for t in tenants}
    # 050 is Groningen's area code too; 06 12… is no UAE number.
    assert found == {"gulf": ["050 123 4567"], "eu": ["050 123 4567", "06 12 34 56 78"], "ru": []}


def test_a_backtracking_pattern_that_arrives_anyway_fails_its_tenant_closed() -> None:
    # The bundle build refuses it (app.policy.bundle_checks); a bundle built around that check
    # still never runs it: only this tenant's requests are refused, the others go on.
    tenants = {
        **TENANTS,
        "redos": {"detection": {"patterns": [{"category": "c", "regex": r"(a+)+\1$"}]}},
    }
    plans = DetectionPlans(BASE, tenants)
    plans.prepare()
    with pytest.raises(PolicyUnavailable) as caught:
        plans.scanner_for("redos")
    assert caught.value.code == "detection_unavailable"
    assert "not a linear-time (RE2) regex" in caught.value.message
    assert plans.scanner_for("contracts").scan("KD-123456")
