"""Simulated operations: realistic codes, valid identifiers, routes ending at the reporter, filed
through the services only, and the same seizures for the same seed."""

import io
import itertools
import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import freightid
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.choices import Role
from operations import services as operation_services
from reference.choices import CitesAppendix
from reference.models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Unit, WasteCode
from seizures import services
from seizures.models import Case, CommodityLine, Seizure, SeizureVersion
from seizures.selectors import FILING_ROLES
from seizures.simulation import (
    CATALOGUE,
    DOMAIN_MEA,
    FLOWS,
    SimulationError,
    container_check_digit,
    container_number,
    imo_number,
    simulate_operation,
)

pytestmark = pytest.mark.django_db

ALL_MEAS = ["BASEL", "MONTREAL", "CITES"]


# --- The catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize("item", CATALOGUE, ids=lambda item: item.key)
def test_every_catalogue_code_exists_in_the_reference_data(item):
    hs = item.hs_code.replace(".", "")
    assert HsCode.objects.filter(code=hs, level="6").exists(), item.hs_code
    mea = Mea.objects.get(code=DOMAIN_MEA[item.domain])
    assert any(hs.startswith(link) for link in MeaHsLink.objects.filter(mea=mea).values_list("hs_code", flat=True))
    if item.unit:
        assert Unit.objects.filter(code=item.unit).exists()
    if item.waste_code:
        assert WasteCode.objects.filter(code=item.waste_code).exists()
    if item.ods_substance:
        substance = OdsSubstance.objects.get(code=item.ods_substance)
        if not item.equipment:
            assert substance.hs_code_id == hs, "cylinders of a substance are declared under its own subheading"
    if item.cites_term:
        assert CitesTerm.objects.filter(code=item.cites_term).exists()
    for species, appendix in item.species:
        assert len(species.split()) == 2
        assert appendix in CitesAppendix.values
    assert item.low <= item.median <= item.high


def test_every_country_of_every_route_pattern_exists():
    codes = {code for flows in FLOWS.values() for flow in flows for code in flow.countries()}
    assert codes <= set(Country.objects.values_list("code", flat=True))


def test_generated_container_and_imo_numbers_carry_valid_check_digits():
    rng = random.Random(7)
    for _index in range(500):
        number = container_number(rng, "MSCU")
        assert freightid.validate_container(number)["valid"], number
        assert freightid.validate_imo(imo_number(rng))["valid"]
    assert container_check_digit("CSQU305438") == 3


# --- A simulated operation -------------------------------------------------------------------


@pytest.fixture
def crowd(world, make_administration, make_user):
    """More administrations with NCPs and officers, as a real operation has (Nigeria and Ghana are in ``world``)."""
    administrations = {"FR": world.france, "GH": world.ghana, "NG": world.nigeria}
    for country in ("NL", "BE", "CN", "KE", "IN", "MY", "AE", "CM"):
        administration = make_administration(country=country)
        make_user(role=Role.NATIONAL_CONTACT, administration=administration)
        administrations[country] = administration
    for country in ("NL", "CN", "KE"):
        make_user(role=Role.OFFICER, administration=administrations[country])
    return administrations


def _join(operation, world, crowd):
    """Invite the crowd through the services and have each NCP accept."""
    operation_services.participation_invite(
        user=world.coordinator,
        operation=operation,
        administrations=[item for code, item in crowd.items() if code != "NG"],
    )
    for participation in operation.participations.filter(status="invited").select_related("administration"):
        ncp = participation.administration.users.filter(role=Role.NATIONAL_CONTACT).order_by("pk").first()
        operation_services.participation_respond(user=ncp, participation=participation, accept=True)
    return operation


@pytest.fixture
def busy_joint(joint, world, crowd):
    return _join(joint, world, crowd)


def _active(make_operation, world, crowd, code, **overrides):
    now = timezone.now()
    operation = make_operation(
        code=code,
        starts_at=now - timedelta(days=6),
        ends_at=now + timedelta(days=20),
        scope_meas=list(Mea.objects.filter(code__in=overrides.pop("meas", ALL_MEAS))),
        **overrides,
    )
    operation_services.participation_invite(
        user=world.coordinator, operation=operation, administrations=list(crowd.values())
    )
    for participation in operation.participations.select_related("administration"):
        ncp = participation.administration.users.filter(role=Role.NATIONAL_CONTACT).order_by("pk").first()
        operation_services.participation_respond(user=ncp, participation=participation, accept=True)
    return operation_services.operation_transition(user=world.coordinator, operation=operation, action="activate")


def test_simulating_forty_seizures_files_them_through_the_services(busy_joint, world):
    counts = simulate_operation(operation=busy_joint, seizures=40)

    assert counts["refused"] == 0
    assert counts["filed"] == 40
    seizures = list(
        Seizure.objects.filter(operation=busy_joint).select_related("filed_by", "place_port").prefetch_related("route")
    )
    assert len(seizures) == 40
    statuses = Counter(seizure.status for seizure in seizures)
    assert statuses == {"validated": 24, "info_requested": 2, "submitted": 14}
    assert counts["validated"] == 24
    assert counts["info_requested"] == 2
    submitted = SeizureVersion.objects.filter(seizure__operation=busy_joint, action="submit")
    assert submitted.values("seizure").distinct().count() == 40
    assert SeizureVersion.objects.filter(seizure__operation=busy_joint, action="validate").count() == 24
    assert SeizureVersion.objects.filter(seizure__operation=busy_joint, action="request_info").count() == 2
    assert set(SeizureVersion.objects.filter(action__in=["validate", "request_info"]).values_list(
        "changed_by", flat=True)) == {world.coordinator.pk}  # fmt: skip

    now = timezone.now()
    for seizure in seizures:
        assert seizure.filed_by.role in FILING_ROLES
        assert seizure.filed_by.administration_id == seizure.administration_id
        assert busy_joint.starts_at <= seizure.occurred_at <= now
        for number in seizure.containers:
            assert freightid.validate_container(number)["valid"], number
        if seizure.vessel_imo:
            assert freightid.validate_imo(seizure.vessel_imo)["valid"]
        if seizure.place_port is not None:
            assert seizure.place_port.country_id == seizure.country_id
        legs = list(seizure.route.all())
        assert 2 <= len(legs) <= 4
        discoveries = [leg for leg in legs if leg.role == "discovery"]
        assert len(discoveries) == 1
        assert discoveries[0].country_id == seizure.country_id
        assert all(first.country_id != second.country_id for first, second in itertools.pairwise(legs))
        assert seizure.narrative.count(". ") == 0
        assert seizure.narrative.endswith(".")

    by_country = Counter(seizure.country_id for seizure in seizures)
    assert len(by_country) >= 4
    assert by_country.most_common(1)[0][1] >= 3 * min(by_country.values()), "some countries report much more"
    assert {line.mea_id for line in CommodityLine.objects.filter(seizure__operation=busy_joint)} == {"BASEL"}


def test_every_domain_files_cleanly_with_its_own_fields(make_operation, world, crowd):
    operation = _active(make_operation, world, crowd, "MIXED-2026")

    counts = simulate_operation(operation=operation, seizures=60, seed=11)

    assert counts["refused"] == 0
    lines = list(CommodityLine.objects.filter(seizure__operation=operation))
    assert {line.mea_id for line in lines} == set(ALL_MEAS)
    for line in lines:
        if line.mea_id == "MONTREAL":
            assert line.ods_substance_id
            assert line.kg
            assert line.odp_tonnes is not None
        if line.mea_id == "CITES":
            assert line.species
            assert line.cites_appendix
            assert line.cites_term_id
        if line.cites_term_id == "LIV":
            assert line.unit_id is None
            assert line.surviving_count <= line.live_count <= line.quantity
        if line.mea_id == "BASEL":
            assert not line.species
            assert line.ods_substance_id is None
    waste = Seizure.objects.filter(operation=operation, lines__mea="BASEL").distinct()
    assert all(seizure.reasons for seizure in waste)
    others = Seizure.objects.filter(operation=operation).exclude(pk__in=waste.values("pk"))
    assert others.exists()
    assert not any(seizure.reasons for seizure in others)


def test_an_operation_template_like_demeters_is_followed(make_operation, world, crowd):
    operation = _active(
        make_operation,
        world,
        crowd,
        "TEMPLATE-2026",
        meas=["BASEL", "MONTREAL"],
        field_rules={"containers": "required", "reasons": "required", "parties": "hidden"},
    )

    counts = simulate_operation(operation=operation, seizures=30, seed=3)

    assert counts["refused"] == 0
    for seizure in Seizure.objects.filter(operation=operation):
        assert seizure.containers
        assert seizure.reasons
        assert not seizure.parties.exists()
        assert seizure.transport_mode != "4"


def test_the_same_seed_files_the_same_seizures(make_operation, world, crowd):
    first = _active(make_operation, world, crowd, "TWIN-A-2026")
    second = _active(make_operation, world, crowd, "TWIN-B-2026")

    simulate_operation(operation=first, seizures=25, seed=99)
    simulate_operation(operation=second, seizures=25, seed=99)

    def summary(operation):
        return [
            (
                seizure.reference.split("/", 1)[1],
                seizure.status,
                seizure.filed_by_id,
                tuple(seizure.containers),
                tuple((line.hs_code_id, line.quantity, line.unit_id) for line in seizure.lines.all()),
                tuple((leg.role, leg.country_id) for leg in seizure.route.all()),
            )
            for seizure in Seizure.objects.filter(operation=operation).order_by("reference")
        ]

    assert summary(first) == summary(second)
    assert len(summary(first)) == 25


def test_a_second_run_into_the_same_operation_adds_different_seizures(busy_joint):
    simulate_operation(operation=busy_joint, seizures=10)
    simulate_operation(operation=busy_joint, seizures=10)

    seizures = Seizure.objects.filter(operation=busy_joint)
    assert seizures.count() == 20
    assert not seizures.exclude(case=None).exists(), "no container of the first run comes back in the second"


def test_two_administrations_reporting_one_container_make_one_case(make_operation, world, crowd):
    operation = _active(make_operation, world, crowd, "LINKED-2026")

    counts = simulate_operation(operation=operation, seizures=30, seed=5, same_shipment_share=0.5)

    assert counts["same_shipment"] >= 1
    assert counts["refused"] == 0
    cases = Case.objects.filter(operation=operation)
    assert cases.exists()
    for case in cases:
        members = list(case.seizures.all())
        assert len(members) >= 2
        assert len({member.country_id for member in members}) >= 2
        shared = set(members[0].containers).intersection(*(member.containers for member in members[1:]))
        assert shared or len({member.transport_document for member in members}) == 1


def test_an_operation_nobody_can_file_in_is_refused_clearly(make_operation, world):
    now = timezone.now()
    operation = make_operation(code="EMPTY-2026", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=5))
    operation = operation_services.operation_transition(user=world.coordinator, operation=operation, action="activate")

    with pytest.raises(SimulationError, match="No administration can file"):
        simulate_operation(operation=operation, seizures=5)


def test_the_command_simulates_and_reports_counts(busy_joint):
    out = io.StringIO()

    call_command("simulate_operation", busy_joint.code, "--seizures", "6", "--seed", "4", stdout=out)

    assert "filed 6 seizures" in out.getvalue()
    assert "refused 0" in out.getvalue()
    assert Seizure.objects.filter(operation=busy_joint).count() == 6


def test_the_command_refuses_an_operation_that_does_not_accept_reports(make_operation):
    make_operation(code="LATER-2026")

    with pytest.raises(CommandError, match="does not accept seizure reports"):
        call_command("simulate_operation", "LATER-2026", "--seizures", "3")


# --- Bugs found in the rules the simulation files against -----------------------------------------


def test_an_hfc_134a_seizure_can_be_filed(make_operation, world, crowd):
    operation = _active(make_operation, world, crowd, "HFC-2026", meas=["MONTREAL"])
    line = {"mea": "MONTREAL", "hs_code": "2903.45", "description": "HFC-134a in cylinders",
            "quantity": Decimal("136"), "unit": "KGM", "ods_substance": "HFC-134a"}  # fmt: skip

    seizure = services.seizure_create(
        user=world.officer_ng,
        operation=operation,
        data={
            "occurred_at": timezone.now() - timedelta(hours=1),
            "lines": [line],
            "route": [{"role": "origin", "country": "CN"}, {"role": "discovery", "country": "NG"}],
        },
        submit=True,
    )

    assert seizure.lines.get().ods_substance_id == "HFC-134a"


def test_an_ods_seizure_can_be_filed_where_basel_reasons_are_required(make_operation, world, crowd):
    operation = _active(
        make_operation, world, crowd, "REASONS-2026", meas=["BASEL", "MONTREAL"], field_rules={"reasons": "required"}
    )
    line = {"mea": "MONTREAL", "hs_code": "2903.71", "description": "HCFC-22 in cylinders",
            "quantity": Decimal("136"), "unit": "KGM", "ods_substance": "HCFC-22"}  # fmt: skip

    services.seizure_create(
        user=world.officer_ng,
        operation=operation,
        data={
            "occurred_at": timezone.now() - timedelta(hours=1),
            "lines": [line],
            "route": [{"role": "origin", "country": "CN"}, {"role": "discovery", "country": "NG"}],
        },
        submit=True,
    )


# --- Bulk mode: the same rules, written with COPY -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="bulk mode writes with PostgreSQL's COPY")
def test_bulk_simulation_writes_what_the_services_would(make_operation, world, crowd):
    operation = _active(make_operation, world, crowd, "BULK-2026")

    counts = simulate_operation(operation=operation, lines=300, seed=8, bulk=True, same_shipment_share=0.3)

    seizures = list(Seizure.objects.filter(operation=operation).prefetch_related("route", "lines"))
    assert counts["refused"] == 0
    assert len(seizures) == counts["filed"]
    lines = CommodityLine.objects.filter(seizure__operation=operation)
    assert 300 <= lines.count() <= 303
    statuses = Counter(seizure.status for seizure in seizures)
    assert statuses["validated"] == counts["validated"] == round(0.6 * len(seizures))
    assert statuses["info_requested"] == counts["info_requested"]
    assert all(seizure.reviewed_by_id == world.coordinator.pk for seizure in seizures if seizure.status != "submitted")
    references = sorted(int(seizure.reference.rsplit("/", 1)[1]) for seizure in seizures if seizure.country_id == "NL")
    assert references == list(range(1, len(references) + 1)), "numbered per country from 1, as filed one by one"
    for seizure in seizures:
        legs = list(seizure.route.all())
        assert [leg.role for leg in legs].count("discovery") == 1
        assert [leg.country_id for leg in legs if leg.role == "discovery"] == [seizure.country_id]
        for line in seizure.lines.all():
            assert (line.kg, line.m3, line.pieces) != (None, None, None), "normalised as the validator does"
    linked = [seizure for seizure in seizures if seizure.case_id is not None]
    assert linked, "twins reported by another administration share a case"
    for case_id in {seizure.case_id for seizure in linked}:
        members = [seizure for seizure in linked if seizure.case_id == case_id]
        assert len({seizure.administration_id for seizure in members}) >= 2
        assert any(finding["code"] == "same_shipment" for seizure in members for finding in seizure.findings)

    services.seizure_update(
        user=seizures[0].filed_by,
        seizure=seizures[0],
        data={**services.seizure_as_filing(seizures[0], with_parties=False)},
    )
    assert SeizureVersion.objects.filter(seizure=seizures[0]).count() == 1, "a bulk-written seizure can be edited"
