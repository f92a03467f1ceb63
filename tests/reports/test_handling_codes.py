"""TLP in reports: a RED seizure counts in every total, and is listed one by one to the coordination only."""

from decimal import Decimal

import pytest

from reports import exports
from reports.datasets import operation_dataset
from seizures import services as seizures


def _heavy(tonnes):
    return [{"mea": "BASEL", "hs_code": "8549.11", "description": "Slag", "quantity": Decimal(tonnes), "unit": "TNE"}]


@pytest.fixture
def coded(world, file_seizure):
    """One validated seizure per code; the RED one is by far the heaviest."""
    filed = {}
    for number, code in enumerate(["clear", "green", "amber", "red"]):
        seizure = file_seizure(
            handling_code=code,
            containers=[],
            transport_document="",
            lines=_heavy("900" if code == "red" else str(number + 1)),
        )
        filed[code] = seizures.seizure_validate(user=world.coordinator, seizure=seizure)
    return filed


def _dataset(operation, audience, kind="final"):
    return operation_dataset(operation=operation, kind=kind, audience=audience, language="en")


def _references(table):
    return {row[0] for row in table["rows"]}


@pytest.mark.django_db
def test_totals_are_the_same_for_every_audience(joint, coded):
    coordination = _dataset(joint, "coordination")
    participants = _dataset(joint, "participants")

    assert coordination["key_figures"] == participants["key_figures"]
    assert coordination["tables"]["by_mea"] == participants["tables"]["by_mea"]
    assert coordination["tables"]["top_routes"] == participants["tables"]["top_routes"]


@pytest.mark.django_db
def test_participants_never_see_a_red_seizure_as_a_row(joint, coded):
    participants = _dataset(joint, "participants")
    coordination = _dataset(joint, "coordination")
    red, others = coded["red"].reference, {coded[code].reference for code in ("clear", "green", "amber")}

    assert _references(participants["tables"]["annex"]) == others
    assert participants["tables"]["annex"]["total"] == 3
    assert red not in _references(participants["tables"]["largest"])
    assert participants["largest_seizure"][0] != red
    assert _references(coordination["tables"]["annex"]) == others | {red}
    assert coordination["largest_seizure"][0] == red


@pytest.mark.django_db
def test_the_raw_lines_leave_red_seizures_out_for_participants(joint, coded):
    def listed(audience):
        content = b"".join(
            exports.lines_csv(operation=joint, kind="preliminary", audience=audience, language="en")
        ).decode("utf-8-sig")
        return {reference for reference in (coded[code].reference for code in coded) if reference in content}

    assert listed("participants") == {coded[code].reference for code in ("clear", "green", "amber")}
    assert listed("coordination") == {coded[code].reference for code in coded}
