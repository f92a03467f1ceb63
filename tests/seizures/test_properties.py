"""Properties of filing a seizure, over generated input.

Whatever a client sends, the serializers and forms answer with validation errors and nothing else; whatever
values a valid filing carries, the service stores it and reads it back unchanged; and extreme values (NUL
characters, quantities and counts too big for their columns) are refused as a 400 naming the field, never
a server error. PostgreSQL is where the last property matters (it refuses NUL and checks numeric
precision); the property runs on SQLite too.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from seizures import forms, services
from seizures.api import serializers
from seizures.models import Seizure

BOUNDED = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FILING_KEYS = [*serializers.SeizureCreateSerializer().fields]
LINE_KEYS = [*serializers.LineInputSerializer().fields]


def _shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the real field names (so validation goes past "required") and anything as values."""
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys))


# --- Serializers and forms: only validation errors escape ---------------------------------------


@BOUNDED
@given(
    data=_shaped(FILING_KEYS)
    | st.builds(lambda base, lines: {**base, "lines": lines}, _shaped(FILING_KEYS), st.lists(_shaped(LINE_KEYS)))
    | json_values
)
def test_the_write_serializer_answers_any_input_with_validation_errors_only(data):
    form = serializers.SeizureCreateSerializer(data=data)

    if not form.is_valid():
        assert isinstance(form.errors, dict)
        assert form.errors


SEIZURE_FIELDS = [*forms.SeizureForm(shown={"occurred_at"}).base_fields]
LINE_FIELDS = [*forms.LineForm.base_fields]
form_values = st.text(max_size=40) | st.sampled_from(["", "0", "-1", "1e309", "NaN", "2026-02-30 25:61", "9" * 40])


@BOUNDED
@given(
    data=st.dictionaries(st.sampled_from(SEIZURE_FIELDS), form_values),
    line=st.dictionaries(st.sampled_from(LINE_FIELDS), form_values),
)
def test_the_forms_answer_any_input_with_validation_errors_only(data, line):
    seizure_form = forms.SeizureForm(data=data, shown=set(SEIZURE_FIELDS))
    line_form = forms.LineForm(
        data=line, shown=set(LINE_FIELDS), choices={"mea": [("BASEL", "Basel")], "unit": [("", "-"), ("KGM", "kg")]}
    )

    for form in (seizure_form, line_form):
        if not form.is_valid():
            assert form.errors


# --- The service: a valid filing comes back as it went in ---------------------------------------

plain_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), max_size=40
)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999999999.999"), places=3)
valid_lines = st.fixed_dictionaries(
    {
        "mea": st.just("BASEL"),
        "hs_code": st.sampled_from(["854911", "841810"]),
        "description": plain_text.filter(bool),
        "quantity": quantities,
        "unit": st.sampled_from(["KGM", "TNE", "GRM", "LBR", "PCS", "LTR", "CUM"]),
    }
)
valid_parties = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["person", "company"]),
        "role": st.sampled_from(["exporter", "suspect"]),
        "name": plain_text.filter(bool),
        "address": plain_text,
    }
)


@pytest.mark.django_db
@BOUNDED
@given(
    hours_ago=st.integers(min_value=1, max_value=20),
    narrative=plain_text,
    vessel_name=plain_text,
    transport_document=plain_text,
    lines=st.lists(valid_lines, min_size=1, max_size=3),
    parties=st.lists(valid_parties, max_size=2),
    submit=st.booleans(),
)
def test_a_valid_filing_is_stored_and_read_back_unchanged(
    world, joint, filing, hours_ago, narrative, vessel_name, transport_document, lines, parties, submit
):
    occurred_at = (timezone.now() - timedelta(hours=hours_ago)).replace(microsecond=0)
    sent = filing(
        occurred_at=occurred_at,
        narrative=narrative,
        vessel_name=vessel_name,
        transport_document=transport_document,
        lines=lines,
        parties=parties,
    )
    with transaction.atomic():
        seizure = services.seizure_create(user=world.officer_ng, operation=joint, data=sent, submit=submit)
        stored = services.seizure_as_filing(Seizure.objects.get(pk=seizure.pk), with_parties=True)
        transaction.set_rollback(True)

    assert stored["occurred_at"] == occurred_at
    assert (stored["narrative"], stored["vessel_name"], stored["transport_document"]) == (
        narrative,
        vessel_name,
        transport_document,
    )
    assert [
        {name: line[name] for name in ("mea", "hs_code", "description", "quantity", "unit")} for line in stored["lines"]
    ] == lines
    assert [{name: party[name] for name in ("kind", "role", "name", "address")} for party in stored["parties"]] == [
        {**party} for party in parties
    ]


# --- The API: extreme values are a 400 naming the field ------------------------------------------

TEXT_FIELDS = ["place_name", "vessel_name", "vessel_imo", "flight", "transport_document", "narrative"]
huge_quantities = st.decimals(
    min_value=Decimal("1"), max_value=Decimal("999999999999999.999"), places=3, allow_nan=False
).map(str)
counts = st.integers(min_value=-5, max_value=2**63)


@st.composite
def extreme_filings(draw: Any) -> dict[str, Any]:
    """The fixture's valid filing with a few fields pushed to the edges of what the API's schema admits."""
    body: dict[str, Any] = {}
    for name in draw(st.sets(st.sampled_from(TEXT_FIELDS), max_size=3)):
        body[name] = draw(st.text(max_size=20))
    line: dict[str, Any] = {
        "mea": "BASEL",
        "hs_code": "854911",
        "description": draw(st.text(min_size=1, max_size=20)),
        "quantity": draw(huge_quantities),
        "unit": draw(st.sampled_from(["TNE", "KGM", "MYG", "PCS", "DZN", "CUM", "LTR"])),
    }
    if draw(st.booleans()):
        line.update(mea="MONTREAL", hs_code="290341", ods_substance="HFC-23", equipment_pieces=draw(counts))
    if draw(st.booleans()):
        line.update(mea="CITES", hs_code="010619", species=draw(st.text(max_size=20)), live_count=draw(counts),
                    surviving_count=draw(counts), unit="NOS")  # fmt: skip
    body["lines"] = [line]
    body["containers"] = draw(st.lists(st.text(max_size=12), max_size=2))
    body["parties"] = [{"kind": "person", "role": "suspect", "name": draw(st.text(min_size=1, max_size=20)),
                        "document_number": draw(st.text(max_size=10))}]  # fmt: skip
    return body


@pytest.mark.django_db
@BOUNDED
@given(overrides=extreme_filings())
def test_extreme_values_are_refused_by_field_never_with_a_server_error(world, joint, filing, overrides):
    client = APIClient()
    client.force_authenticate(world.officer_ng)
    body = {**filing(**overrides), "operation": joint.pk, "occurred_at": datetime.now(UTC) - timedelta(hours=1)}
    body = {**body, "route": [{**leg} for leg in body["route"]]}
    with transaction.atomic():
        response = client.post("/api/v1/seizures/", body, format="json")
        transaction.set_rollback(True)

    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        errors = response.json()
        assert isinstance(errors, dict)
        assert errors
        assert set(errors) <= {*FILING_KEYS, "non_field_errors"}, errors
