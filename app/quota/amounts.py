"""What a request costs against each limit: reserved up front, settled on real usage.

Requests cost 1. Tokens cost prompt plus output tokens. Money costs tokens times the provider's
price, and since prices are quoted per million tokens, the price per million in currency units
is exactly the price per token in micro-units: the arithmetic is done in Decimal and rounded up
once, so a budget is never under-charged and never drifts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.quota.errors import PriceMismatch
from app.quota.limits import REQUESTS, TOKENS, Limit

__all__ = ["Price", "reservation_amounts", "settlement_amounts"]

_CURRENCY = re.compile(r"[a-z]{3}")


@dataclass(frozen=True, slots=True)
class Price:
    """A provider's price per million input and output tokens, in ``currency`` units."""

    currency: str
    input_per_mtok: Decimal
    output_per_mtok: Decimal

    def __post_init__(self) -> None:
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"currency {self.currency!r} is not a lower-case ISO-4217 code")
        if self.input_per_mtok < 0 or self.output_per_mtok < 0:
            raise ValueError("prices cannot be negative")

    @classmethod
    def of(
        cls,
        currency: str,
        input_per_mtok: float | str | Decimal,
        output_per_mtok: float | str | Decimal,
    ) -> Price:
        """Build from catalog numbers; floats go through ``str`` so 0.15 stays 0.15."""
        return cls(currency, Decimal(str(input_per_mtok)), Decimal(str(output_per_mtok)))


def reservation_amounts(
    limits: Sequence[Limit], prompt_tokens: int, max_output_tokens: int, price: Price | None
) -> dict[str, int]:
    """The most the request can cost: its prompt plus every output token it may generate."""
    return _amounts(limits, prompt_tokens, max_output_tokens, price)


def settlement_amounts(
    limits: Sequence[Limit], usage: Mapping[str, int], price: Price | None
) -> dict[str, int]:
    """What the request did cost, from OpenAI's ``usage`` object.

    Embeddings report no ``completion_tokens``, which then counts as zero.
    """
    return _amounts(limits, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), price)


def _amounts(
    limits: Sequence[Limit], prompt: int, output: int, price: Price | None
) -> dict[str, int]:
    if prompt < 0 or output < 0:
        raise ValueError("token counts cannot be negative")
    amounts = {}
    for limit in limits:
        if limit.unit == REQUESTS:
            amounts[limit.name] = 1
        elif limit.unit == TOKENS:
            amounts[limit.name] = prompt + output
        else:
            amounts[limit.name] = _cost(limit, prompt, output, price)
    return amounts


def _cost(limit: Limit, prompt: int, output: int, price: Price | None) -> int:
    if price is None or price.currency != limit.unit:
        # Budgets are not convertible here, and an unpriced route must not spend a budget for
        # free: the catalog has to price every route (zero for on-prem) in the limit's currency.
        got = "no price" if price is None else f"a price in {price.currency}"
        raise PriceMismatch(f"limit {limit.name} is in {limit.unit} but the route has {got}")
    micro = prompt * price.input_per_mtok + output * price.output_per_mtok
    return math.ceil(micro)
