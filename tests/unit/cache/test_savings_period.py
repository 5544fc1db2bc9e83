"""The savings period: the UTC month, named once a month but exactly as strftime names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.cache.savings import period_of


def _strftime(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m")


MONTH_STARTS = [
    datetime(year, month, 1, tzinfo=UTC).timestamp()
    for year in (1999, 2024, 2026)
    for month in range(1, 13)
]


@pytest.mark.parametrize("offset", [-1.0, -1e-6, -6e-7, -4e-7, 0.0, 1e-7, 1.0, 86_400.0])
def test_the_month_around_every_boundary(offset: float) -> None:
    for start in MONTH_STARTS:
        moment = start + offset
        assert period_of(moment) == _strftime(moment)
        assert period_of(moment + 0.25) == _strftime(moment + 0.25)  # served from the memory


def test_now_and_going_back_in_time() -> None:
    assert period_of() == datetime.now(UTC).strftime("%Y-%m")
    assert period_of(MONTH_STARTS[0]) == "1999-01"
    assert period_of(MONTH_STARTS[-1] + 40 * 86_400) == "2027-01"
