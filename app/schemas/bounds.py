"""Constrained scalars the msgspec schemas share; msgspec checks the bounds as it decodes."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

__all__ = ["Count", "NonEmpty", "NonNegativeFloat", "Positive", "PositiveFloat"]

NonEmpty = Annotated[str, Meta(min_length=1)]
Count = Annotated[int, Meta(ge=0)]
Positive = Annotated[int, Meta(ge=1)]
PositiveFloat = Annotated[float, Meta(gt=0)]
NonNegativeFloat = Annotated[float, Meta(ge=0)]
