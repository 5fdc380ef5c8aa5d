"""Decimal arithmetic shared by the scheme, the engine and the results.

Every score is a `Decimal`. Ratios that Decimal cannot hold exactly (a top ratio of 1/3) are
`Fraction`s, so that 9 × 1/3 is exactly 3 and never 2.999… rounded down to 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# The engine computes inside this context, whatever the caller's global context is, so the same
# inputs give the same digits everywhere. 28 digits hold any realistic sum of scores exactly.
CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)

# Decimal's own names, so a scheme says exactly what Python does.
ROUNDING_MODES = (
    ROUND_HALF_UP,
    ROUND_HALF_EVEN,
    ROUND_HALF_DOWN,
    ROUND_UP,
    ROUND_DOWN,
    ROUND_CEILING,
    ROUND_FLOOR,
)

# How a count (how many units are "the top 30 %") is rounded, with the words the trace uses.
COUNT_ROUNDING = {"floor": "向下取整", "ceil": "向上取整", "half_up": "四舍五入"}


@dataclass(frozen=True)
class Rounding:
    """A rounding rule: `places` digits after the point, by a Decimal rounding mode."""

    places: int
    mode: str

    @property
    def quantum(self) -> Decimal:
        return ONE.scaleb(-self.places)

    def __call__(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.mode)


def round_count(value: Fraction, mode: str) -> int:
    """Round a non-negative count such as 10 × 30 % by floor, ceil or half_up."""
    if mode == "floor":
        return math.floor(value)
    if mode == "ceil":
        return math.ceil(value)
    return math.floor(value + Fraction(1, 2))


_QUANTA = {places: ONE.scaleb(-places) for places in range(11)}


def fmt(value: Decimal, places: int = 2) -> str:
    """A score as people write it: fixed places, half up, never "-0.00"."""
    shown = value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
    return str(abs(shown) if shown.is_zero() else shown)


def pct(value: Decimal) -> str:
    """0.7 → "70%", 0.125 → "12.5%"."""
    return f"{(value * HUNDRED).normalize():f}%"


def fraction_text(value: Fraction, places: int = 2) -> str:
    """A product such as 10 × 1/3 shown as a decimal ("3.33"), for the trace only."""
    return fmt(Decimal(value.numerator) / Decimal(value.denominator), places)


def exact(value: Decimal, places: int = 2) -> str:
    """An unrounded value as the trace shows it: at least `places` digits, every digit up to
    six, and "…" when there are more (66.388, 18.666667…)."""
    shown = fmt(value, places)
    if value == Decimal(shown):
        return shown
    six = value.quantize(_QUANTA[6], rounding=ROUND_HALF_UP)
    text = str(six.normalize()) if six.normalize().as_tuple().exponent < 0 else str(six)
    if "E" in text:
        text = format(six.normalize(), "f")
    return text if six == value else f"{text}…"
