"""Bulk writes record what filing one seizure at a time records: the same rows, versions, audit trail, and
announcements to the same people (grouped by audience in ``seizure.import`` events instead of one each).

Each test writes the same filings twice from the same start, once in bulk and once one by one through
``seizure_file_imported`` (the first attempt rolled back), and compares everything they left, field by
field; ids, uuids and times aside.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.audit import audit_verify
from accounts.models import AuditEvent
from messaging.models import Event, EventRecipient
from operations.models import ReportedScope
from seizures import services
from seizures.bulk import BulkFiling, seizures_write_bulk
from seizures.choices import Finding
from seizures.models import CommodityLine, Party, RouteLeg, Seizure, SeizureVersion, ShipmentKey
from seizures.validation import CodeBook, FilingValidator
from tests.seizures.test_imports import csv_bytes, platform_rows, three_countries  # noqa: F401

SEIZURE_IGNORED = {"id", "uuid", "created_at", "updated_at", "submitted_at", "case", "attachments"}


class Rollback(Exception):
    pass


def _rows(model, seizure, ignored=("id", "seizure")):
    return [
        {key: value for key, value in model_to_dict(row).items() if key not in ignored}
        for row in model.objects.filter(seizure=seizure).order_by("id")
    ]


def recorded(operation, since_audit, since_event):
    """Everything written about the operation's seizures, by reference."""
    seizures = {seizure.pk: seizure for seizure in Seizure.objects.filter(operation=operation)}
    references = {pk: seizure.reference for pk, seizure in seizures.items()}
    parties = {
        party.pk: f"{references[party.seizure_id]}#{index}"
        for index, party in enumerate(Party.objects.filter(seizure__in=seizures.values()).order_by("id"))
    }
    state = {}
    for seizure in seizures.values():
        case = (
            sorted(Seizure.objects.filter(case_id=seizure.case_id).values_list("reference", flat=True))
            if seizure.case_id
            else None
        )
        state[seizure.reference] = {
            "seizure": {key: value for key, value in model_to_dict(seizure).items() if key not in SEIZURE_IGNORED},
            "case": case,
            "lines": _rows(CommodityLine, seizure),
            "route": _rows(RouteLeg, seizure),
            "parties": _rows(Party, seizure),
            "keys": sorted(ShipmentKey.objects.filter(seizure=seizure).values_list("kind", "value")),
            "versions": [
                {
                    key: value
                    for key, value in model_to_dict(version).items()
                    if key not in ("id", "seizure", "changed_at")
                }
                for version in SeizureVersion.objects.filter(seizure=seizure).order_by("number")
            ],
        }
    audit = []
    for event in AuditEvent.objects.filter(id__gt=since_audit).order_by("id"):
        after = dict(event.after or {})
        if event.object_type == "party":
            after["seizure"] = references[after["seizure"]]
            object_id = parties[int(event.object_id)]
        else:
            object_id = references[int(event.object_id)]
        audit.append(
            (event.action, event.actor_id, event.actor_label, event.administration_id, event.object_type, object_id,
             event.reference, event.before, after)
        )  # fmt: skip
    announced = {}
    for event in Event.objects.filter(id__gt=since_event).order_by("id"):
        assert event.type == "seizure"
        assert event.position is None
        recipients = sorted(EventRecipient.objects.filter(event=event).values_list("user_id", flat=True))
        if event.op == "import":  # the seizures of one audience, announced together
            assert (event.payload["operation"], event.payload["context"]) == (operation.pk, operation.context)
            payloads = event.payload["seizures"]
        else:
            assert event.op == "add"
            payloads = [event.payload]
        for payload in payloads:
            assert payload["uuid"] == str(seizures[payload["id"]].uuid)
            announced[payload["reference"]] = (
                {key: value for key, value in payload.items() if key not in ("id", "uuid")},
                recipients,
            )
    scope = sorted(
        ReportedScope.objects.filter(operation=operation).values_list(
            "reference", "occurred_at", "mea_id", "hs_code_id", "country_id"
        )
    )
    check = audit_verify()
    assert check.intact, check.problem
    return {"seizures": state, "audit": audit, "announced": announced, "scope": scope}


def both_ways(operation, user, filings):
    """What the bulk write records, and what filing them one by one records, from the same start."""
    since_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    since_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        with transaction.atomic():
            seizures_write_bulk(
                operation=operation,
                filings=[BulkFiling(administration=admin, filed_by=user, clean=clean) for admin, clean in filings],
                history=True,
            )
            bulk = recorded(operation, since_audit, since_event)
            raise Rollback
    except Rollback:
        pass
    with transaction.atomic():
        for administration, clean in filings:
            services.seizure_file_imported(user=user, operation=operation, administration=administration, clean=clean)
    return bulk, recorded(operation, since_audit, since_event)


def cleaned(operation, administration, data):
    return FilingValidator(operation=operation, administration=administration, data=data, codes=CodeBook()).clean()


def test_a_bulk_write_records_what_filing_one_by_one_records(world, three_countries, filing, file_seizure):  # noqa: F811
    """Parties, decimals to round, a same-shipment link inside the batch and one to a seizure filed before."""
    ghana = {"place_port": "", "transport_document": "", "route": [{"role": "discovery", "country": "GH"}]}
    earlier = file_seizure(user=world.officer_gh, operation=three_countries, containers=["MSKU1234565"], **ghana)
    now = timezone.now()
    lagos = filing(occurred_at=now - timedelta(hours=3), latitude=Decimal("6.45"), longitude=Decimal("3.3667"))
    lagos["lines"][0]["quantity"] = Decimal("12.3456")
    tema = filing(occurred_at=now - timedelta(hours=2), containers=["MSKU1234565"], parties=[], handling_code="red",
                  **ghana)  # fmt: skip
    dakar = filing(occurred_at=now - timedelta(hours=1), containers=["CSQU3054383", "MSKU1234565"], parties=[],
                   place_port="", transport_document="", route=[{"role": "discovery", "country": "SN"}])  # fmt: skip
    filings = [
        (world.nigeria, cleaned(three_countries, world.nigeria, lagos)),
        (world.ghana, cleaned(three_countries, world.ghana, tema)),
        (world.senegal, cleaned(three_countries, world.senegal, dakar)),
    ]

    bulk, one_by_one = both_ways(three_countries, world.coordinator, filings)

    for ref in one_by_one["seizures"]:
        for part in one_by_one["seizures"][ref]:
            assert bulk["seizures"][ref][part] == one_by_one["seizures"][ref][part], (ref, part)
    assert bulk == one_by_one
    seizures = one_by_one["seizures"]
    assert len(seizures) == 4
    assert len(one_by_one["announced"]) == 3
    assert Event.objects.filter(op="import").count() == 0  # the bulk write's events were rolled back
    assert [entry[0] for entry in one_by_one["audit"]] == ["create", "create", "create", "submit"] + [
        "create",
        "submit",
    ] * 2
    dakar_state = next(state for state in seizures.values() if state["seizure"]["country"] == "SN")
    assert len(dakar_state["case"]) == 4
    assert seizures[earlier.reference]["case"] == dakar_state["case"]
    assert any(finding["code"] == Finding.SAME_SHIPMENT for finding in dakar_state["seizure"]["findings"])
    assert all(state["versions"][0]["number"] == 1 for state in seizures.values())


def test_an_import_records_what_filing_its_seizures_one_by_one_records(world, three_countries, file_seizure):  # noqa: F811
    """The platform file of the import tests, Lagos's container reported before by Ghana."""
    ghana = {"place_port": "", "transport_document": "", "route": [{"role": "discovery", "country": "GH"}]}
    file_seizure(user=world.officer_gh, operation=three_countries, containers=["CSQU3054383"], **ghana)
    content = csv_bytes(platform_rows(timezone.now() - timedelta(hours=2)))
    since_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    since_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        with transaction.atomic():
            services.seizures_import(user=world.coordinator, operation=three_countries, name="s.csv", content=content)
            imported = recorded(three_countries, since_audit, since_event)
            raise Rollback
    except Rollback:
        pass
    parsed = services.parse(name="s.csv", content=content, operation=three_countries)
    filings, _lines = services._import_validate(three_countries, parsed)
    with transaction.atomic():
        for administration, clean in filings:
            services.seizure_file_imported(
                user=world.coordinator, operation=three_countries, administration=administration, clean=clean
            )

    one_by_one = recorded(three_countries, since_audit, since_event)

    assert imported == one_by_one
    lagos = next(state for state in one_by_one["seizures"].values() if state["seizure"]["country"] == "NG")
    assert lagos["case"] is not None
    assert lagos["seizure"]["flagged"]


@pytest.mark.parametrize("count", [1, 40])
def test_bulk_audit_entries_continue_the_chain(world, three_countries, filing, count):  # noqa: F811
    clean = cleaned(three_countries, world.nigeria, filing())
    seizures_write_bulk(
        operation=three_countries,
        filings=[BulkFiling(administration=world.nigeria, filed_by=world.coordinator, clean=clean)] * count,
        history=True,
    )
    services.seizure_validate(user=world.coordinator, seizure=Seizure.objects.order_by("pk").last())

    check = audit_verify()
    assert check.intact, check.problem
    assert AuditEvent.objects.filter(action="create", object_type="party").count() == 2 * count
