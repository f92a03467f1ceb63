"""Conversion of a reported quantity into the kilograms, cubic metres and pieces that reports add up."""

from dataclasses import dataclass
from decimal import Decimal

from .models import Unit

_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class NormalisedQuantity:
    """A quantity in the three measures reports add up; ``None`` where the unit does not convert."""

    kg: Decimal | None
    m3: Decimal | None
    pieces: Decimal | None


def _scaled(quantity: Decimal, factor: Decimal | None) -> Decimal | None:
    if factor is None:
        return None
    return (quantity * factor).quantize(_PLACES)


def normalise_quantity(quantity: Decimal, unit: Unit) -> NormalisedQuantity:
    """Convert ``quantity`` expressed in ``unit``; no density is ever assumed between dimensions."""
    return NormalisedQuantity(
        kg=_scaled(quantity, unit.to_kg),
        m3=_scaled(quantity, unit.to_m3),
        pieces=_scaled(quantity, unit.to_pieces),
    )
