"""Properties of unit normalisation over generated quantities and every unit of the reference data.

The parametrised examples in test_normalise.py pin known conversions; these say what must hold for any
quantity a filing may carry (the serializer's bound: 18 digits, 3 decimals): tonnes, kilograms and grams
agree, bigger quantities never weigh less, a conversion can be undone, no unit gains a dimension it does
not have, and every result fits the commodity line's columns.
"""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference.models import Unit
from reference.normalise import normalise_quantity
from seizures.models import CommodityLine

# The units are read, never written: sharing one fixture across a test's examples is safe.
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
MAX_QUANTITY = Decimal("999999999999999.999")
quantities = st.decimals(min_value=0, max_value=MAX_QUANTITY, places=3)
small_quantities = st.decimals(min_value=0, max_value=Decimal("999999999.999"), places=3)
MEASURES = ("kg", "m3", "pieces")


@pytest.fixture
def units(db):
    return {unit.code: unit for unit in Unit.objects.all()}


@pytest.mark.django_db
@BOUNDED
@given(quantity=small_quantities)
def test_tonnes_kilograms_and_grams_agree(units, quantity):
    tonnes = normalise_quantity(quantity, units["TNE"]).kg
    kilograms = normalise_quantity(quantity * 1000, units["KGM"]).kg
    grams = normalise_quantity(quantity * 1_000_000, units["GRM"]).kg

    assert tonnes == kilograms == grams == quantity * 1000


@pytest.mark.django_db
@BOUNDED
@given(data=st.data(), first=quantities, second=quantities)
def test_a_bigger_quantity_never_converts_to_less(units, data, first, second):
    unit = units[data.draw(st.sampled_from(sorted(units)))]
    low, high = sorted((first, second))

    smaller, bigger = normalise_quantity(low, unit), normalise_quantity(high, unit)

    for measure in MEASURES:
        if getattr(unit, f"to_{measure}") is not None:
            assert getattr(smaller, measure) <= getattr(bigger, measure)


@pytest.mark.django_db
@BOUNDED
@given(data=st.data(), quantity=quantities)
def test_a_conversion_can_be_undone_within_its_rounding(units, data, quantity):
    unit = units[data.draw(st.sampled_from(sorted(units)))]
    result = normalise_quantity(quantity, unit)

    for measure in MEASURES:
        factor = getattr(unit, f"to_{measure}")
        if factor is not None:
            # Results keep 6 decimals: undoing the conversion is off by at most half of the last one.
            assert abs(getattr(result, measure) / factor - quantity) <= Decimal("0.0000005") / factor


@pytest.mark.django_db
@BOUNDED
@given(data=st.data(), quantity=quantities)
def test_a_unit_converts_only_into_its_own_dimensions_and_never_below_zero(units, data, quantity):
    unit = units[data.draw(st.sampled_from(sorted(units)))]
    result = normalise_quantity(quantity, unit)

    for measure in MEASURES:
        value = getattr(result, measure)
        assert (value is None) == (getattr(unit, f"to_{measure}") is None)
        assert value is None or value >= 0


@pytest.mark.django_db
@BOUNDED
@given(data=st.data(), quantity=quantities)
def test_every_result_fits_the_commodity_line_columns(units, data, quantity):
    unit = units[data.draw(st.sampled_from(sorted(units)))]
    result = normalise_quantity(quantity, unit)

    for measure in MEASURES:
        value = getattr(result, measure)
        if value is None:
            continue
        column = CommodityLine._meta.get_field(measure)
        _sign, digits, exponent = value.as_tuple()
        assert -exponent <= column.decimal_places
        assert len(digits) + exponent <= column.max_digits - column.decimal_places


@pytest.mark.django_db
@BOUNDED
@given(first=small_quantities, second=small_quantities)
def test_conversions_add_up_as_the_quantities_do(units, first, second):
    for code in ("LBR", "OUN", "LTR", "CUF", "DZN", "PAI"):
        unit = units[code]
        together = normalise_quantity(first + second, unit)
        apart = normalise_quantity(first, unit), normalise_quantity(second, unit)
        for measure in MEASURES:
            if getattr(unit, f"to_{measure}") is not None:
                total = getattr(apart[0], measure) + getattr(apart[1], measure)
                assert abs(getattr(together, measure) - total) <= Decimal("0.000001")
