"""The scan budget: an exceeded deadline stops a scan, checked between detectors and inside
the detectors whose candidates cost work; deadlines are spent (negative budget) rather than
timed, so nothing here depends on speed."""

from __future__ import annotations

import pytest

from app.errors import ScanBudgetExceeded
from app.protect.budget import ScanDeadline, checkpoint
from app.protect.detectors import EmailDetector, LexiconDetector, PhoneDetector, RussianIdDetector
from app.protect.detectors.base import Detector
from app.protect.scan import default_scanner

SPENT = -1.0


def test_a_spent_budget_refuses_the_scan() -> None:
    scanner = default_scanner()
    with pytest.raises(ScanBudgetExceeded) as caught:
        scanner.scan("пишите на a@b.ru", ScanDeadline(SPENT))
    assert caught.value.status == 413
    assert caught.value.code == "scan_budget_exceeded"


def test_a_generous_budget_changes_nothing() -> None:
    scanner = default_scanner()
    text = "паспорт 4510 123456, +33 6 12 34 56 78, a@b.ru"
    assert scanner.scan(text, ScanDeadline(3600)) == scanner.scan(text)


@pytest.mark.parametrize(
    ("detector", "near_misses"),
    [
        (PhoneDetector(), "+7 900 000 00 0 " * 50),  # candidates that never become findings
        (RussianIdDetector(), "1234567890 " * 50),
        (EmailDetector(), "a@b " * 50),
        (LexiconDetector(), "диагностика " * 50),
    ],
)
def test_costly_detectors_check_the_budget_per_candidate(
    detector: Detector, near_misses: str
) -> None:
    assert list(detector.find(near_misses)) == []  # no finding would hand control back
    with ScanDeadline(SPENT).active(), pytest.raises(ScanBudgetExceeded):
        list(detector.find(near_misses))


def test_checkpoint_outside_a_scan_is_a_no_op_and_the_deadline_does_not_linger() -> None:
    checkpoint()
    with pytest.raises(ScanBudgetExceeded):
        default_scanner().scan("a@b.ru", ScanDeadline(SPENT))
    checkpoint()  # the spent deadline was the scan's only
    assert [f.category for f in PhoneDetector().find("+7 912 345-67-89")] == ["phone"]
