"""Per-limit amounts: what a request reserves, what it settles at, in exact micro-units."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quota.amounts import Price, reservation_amounts, settlement_amounts
from app.quota.errors import PriceMismatch
from app.quota.limits import Limit

TPM = Limit("tokens_per_minute", "tokens", 200_000, 60)
RPM = Limit("requests_per_minute", "requests", 600, 60)
BUDGET = Limit("budget_per_month", "usd", 500, 0)
ALL = (TPM, RPM, BUDGET)
GPT4O_MINI = Price.of("usd", 0.15, 0.6)


def test_reservation_holds_the_prompt_and_every_possible_output_token() -> None:
    amounts = reservation_amounts(ALL, 812, 1024, GPT4O_MINI)
    # 812 * 0.15 + 1024 * 0.6 = 121.8 + 614.4 = 736.2 micro-usd, rounded up.
    assert amounts == {TPM.name: 1836, RPM.name: 1, BUDGET.name: 737}


def test_settlement_uses_the_reported_usage() -> None:
    usage = {"prompt_tokens": 812, "completion_tokens": 95, "total_tokens": 907}
    assert settlement_amounts(ALL, usage, GPT4O_MINI) == {
        TPM.name: 907,
        RPM.name: 1,
        BUDGET.name: math.ceil(812 * Fraction("0.15") + 95 * Fraction("0.6")),
    }


def test_embeddings_usage_has_no_completion_tokens() -> None:
    usage = {"prompt_tokens": 10_000, "total_tokens": 10_000}
    price = Price.of("usd", "0.02", 0)
    assert settlement_amounts(ALL, usage, price) == {
        TPM.name: 10_000,
        RPM.name: 1,
        BUDGET.name: 200,
    }


@given(
    prompt=st.integers(min_value=0, max_value=10**7),
    output=st.integers(min_value=0, max_value=10**6),
    price_in=st.decimals(min_value=0, max_value=1000, places=4),
    price_out=st.decimals(min_value=0, max_value=1000, places=4),
)
def test_cost_is_the_exact_amount_rounded_up(
    prompt: int, output: int, price_in: Decimal, price_out: Decimal
) -> None:
    exact = prompt * Fraction(price_in) + output * Fraction(price_out)
    amounts = reservation_amounts([BUDGET], prompt, output, Price("usd", price_in, price_out))
    assert amounts[BUDGET.name] == math.ceil(exact)


def test_a_budget_needs_a_price_in_its_currency() -> None:
    with pytest.raises(PriceMismatch, match="no price"):
        reservation_amounts(ALL, 1, 1, None)
    with pytest.raises(PriceMismatch, match="a price in eur"):
        settlement_amounts(ALL, {"prompt_tokens": 1}, Price.of("eur", 1, 1))


def test_token_and_request_limits_need_no_price() -> None:
    assert reservation_amounts((TPM, RPM), 5, 7, None) == {TPM.name: 12, RPM.name: 1}


def test_free_routes_cost_zero() -> None:
    on_prem = Price.of("usd", 0, 0)
    assert reservation_amounts([BUDGET], 10_000, 10_000, on_prem) == {BUDGET.name: 0}


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        reservation_amounts(ALL, -1, 0, GPT4O_MINI)
    with pytest.raises(ValueError, match="negative"):
        Price.of("usd", -1, 0)
    with pytest.raises(ValueError, match="ISO-4217"):
        Price.of("US$", 1, 1)


def test_float_prices_are_read_as_written() -> None:
    assert Price.of("usd", 0.1, 0.3).input_per_mtok == Decimal("0.1")
