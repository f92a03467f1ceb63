from decimal import Decimal

import pytest

from reference.models import Unit
from reference.normalise import normalise_quantity


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unit", "quantity", "kg", "m3", "pieces"),
    [
        ("KIL", "12.5", "12.5", None, None),
        ("GRM", "250", "0.25", None, None),
        ("MGM", "1500", "0.0015", None, None),
        ("TNE", "3.2", "3200", None, None),
        ("LTR", "20", None, "0.02", None),
        ("MLT", "500", None, "0.0005", None),
        ("CUM", "4", None, "4", None),
        ("PCS", "7", None, None, "7"),
        ("NOS", "35", None, None, "35"),
        ("PAI", "3", None, None, "6"),
    ],
)
def test_quantities_convert_to_kg_m3_and_pieces(unit, quantity, kg, m3, pieces):
    result = normalise_quantity(Decimal(quantity), Unit.objects.get(code=unit))

    assert result.kg == (Decimal(kg) if kg else None)
    assert result.m3 == (Decimal(m3) if m3 else None)
    assert result.pieces == (Decimal(pieces) if pieces else None)


@pytest.mark.django_db
def test_a_volume_never_becomes_a_mass():
    litre = Unit.objects.get(code="LTR")
    assert litre.to_kg is None
    assert normalise_quantity(Decimal("1000"), litre).kg is None


@pytest.mark.django_db
def test_every_unit_converts_to_at_least_its_own_dimension():
    expected = {"mass": "to_kg", "volume": "to_m3", "count": "to_pieces"}
    for unit in Unit.objects.filter(dimension__in=expected):
        assert getattr(unit, expected[unit.dimension]) is not None, unit.code
