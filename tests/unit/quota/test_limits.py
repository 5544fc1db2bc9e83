"""Limits, windows and amount checks: the arithmetic both stores rely on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quota.limits import BucketState, Limit, check_amounts, window_at
from tests.unit.quota.conftest import epoch

NOW = st.floats(min_value=0, max_value=epoch("2199-12-31T23:59:59"), allow_nan=False)


@given(now=NOW, window_s=st.integers(min_value=1, max_value=31 * 86400))
def test_fixed_windows_are_epoch_aligned_and_contain_now(now: float, window_s: int) -> None:
    window = window_at(window_s, now)
    assert window.start % window_s == 0
    assert window.start <= now < window.end == window.start + window_s


@given(now=NOW)
def test_month_windows_are_calendar_months(now: float) -> None:
    window = window_at(0, now)
    start = datetime.fromtimestamp(window.start, UTC)
    end = datetime.fromtimestamp(window.end, UTC)
    assert window.start <= now < window.end
    assert (start.day, start.hour, start.minute, start.second) == (1, 0, 0, 0)
    assert (end.day, end.hour) == (1, 0)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        ("2026-12-31T23:59:59.999", "2026-12-01T00:00:00", "2027-01-01T00:00:00"),
        ("2027-01-01T00:00:00", "2027-01-01T00:00:00", "2027-02-01T00:00:00"),
        ("2028-02-29T12:00:00", "2028-02-01T00:00:00", "2028-03-01T00:00:00"),
    ],
)
def test_month_boundaries(now: str, start: str, end: str) -> None:
    window = window_at(0, epoch(now))
    assert (window.start, window.end) == (epoch(start), epoch(end))


def test_money_capacity_is_in_micro_units_without_float_error() -> None:
    assert Limit("b", "usd", 500, 0).capacity == 500_000_000
    assert Limit("b", "eur", 0.1, 0).capacity == 100_000
    assert Limit("b", "rub", 2.01, 0).capacity == 2_010_000  # 2.01 * 1e6 is 2009999.99... in floats
    assert Limit("t", "tokens", 200_000, 60).capacity == 200_000


def test_capacity_is_derived_not_compared_and_follows_a_replace() -> None:
    budget = Limit("b", "usd", 2.5, 0)
    assert budget == Limit("b", "usd", 2.5, 0)
    assert "capacity" not in repr(budget)
    assert dataclasses.replace(budget, limit=3).capacity == 3_000_000


@pytest.mark.parametrize(
    ("unit", "limit", "window_s", "message"),
    [
        ("bananas", 1, 60, "unit"),
        ("USD", 1, 0, "unit"),
        ("tokens", -1, 60, ">= 0"),
        ("tokens", float("inf"), 60, "finite"),
        ("tokens", 1.5, 60, "whole"),
        ("requests", 1, -60, "window_s"),
        ("usd", 10**12, 0, "too large"),
    ],
)
def test_invalid_limits_are_refused(unit: str, limit: float, window_s: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limit("x", unit, limit, window_s)


def test_remaining_is_never_negative() -> None:
    limit = Limit("t", "tokens", 100, 60)
    assert BucketState(limit, 130, 5.0).remaining == 0
    assert BucketState(limit, 30, 5.0).remaining == 70


def test_check_amounts() -> None:
    limits = [Limit("a", "tokens", 1, 60), Limit("b", "requests", 1, 60)]
    check_amounts(limits, {"a": 0, "b": 2**53})
    with pytest.raises(ValueError, match="no amount for limit b"):
        check_amounts(limits, {"a": 1})
    with pytest.raises(ValueError, match="unique"):
        check_amounts([limits[0], limits[0]], {"a": 1})
    with pytest.raises(ValueError, match="within"):
        check_amounts((), {"a": -1})
