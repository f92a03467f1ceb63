"""The rules a seizure message is held to: each hard error under its field with its code and message,
soft findings that accept the seizure but flag it for the V-OCU, and the quantities worked out from it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from operations import services as operations
from reference.models import HsCode, MeaHsLink, OdsSubstance
from seizures import services
from seizures.models import CommodityLine, Seizure

GIVE_A_UNIT = "Give a unit. Only species may be counted as specimens without one."


def _errors(error):
    """Every field error as ``{field: [(code, message), ...]}``."""
    return {field: [(item.code, item.message) for item in items] for field, items in error.error_dict.items()}


def _cites_line(**overrides):
    line = {
        "mea": "CITES",
        "hs_code": "0106",
        "description": "Live African grey parrots",
        "quantity": Decimal("12"),
        "unit": "",
        "species": "Psittacus erithacus",
        "cites_appendix": "I",
        "cites_term": "LIV",
        "live_count": 12,
    }
    return {**line, **overrides}


def _ods_line(**overrides):
    line = {
        "mea": "MONTREAL",
        "hs_code": "290371",
        "description": "HCFC-22 in disposable cylinders",
        "quantity": Decimal("1360"),
        "unit": "KIL",
        "ods_substance": "HCFC-22",
    }
    return {**line, **overrides}


def _waste_line(**overrides):
    line = {
        "mea": "BASEL",
        "hs_code": "854911",
        "description": "Waste lead-acid batteries",
        "quantity": Decimal("12.5"),
        "unit": "TNE",
        "waste_code": "A1160",
    }
    return {**line, **overrides}


def _changed(items, index, **changes):
    """A copy of a filing's lines or route legs with one of them changed."""
    items = [dict(item) for item in items]
    items[index].update(changes)
    return items


@pytest.fixture
def reject(world, joint, filing):
    """File a filing that must be refused; nothing is written; answer its field errors."""

    def attempt(*, operation=None, user=None, **overrides):
        before = Seizure.objects.count()
        with pytest.raises(ValidationError) as error:
            services.seizure_create(
                user=user or world.officer_ng, operation=operation or joint, data=filing(**overrides), submit=True
            )
        assert Seizure.objects.count() == before
        return _errors(error.value)

    return attempt


def _lines(seizure):
    return list(CommodityLine.objects.filter(seizure=seizure).order_by("position"))


def _findings(seizure):
    seizure.refresh_from_db()
    return seizure.flagged, seizure.findings


# --- The operation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_valid_filing_is_accepted_without_findings(file_seizure):
    seizure = file_seizure()

    assert _findings(seizure) == (False, [])
    assert seizure.status == "submitted"


@pytest.mark.django_db
def test_a_closed_operation_past_its_grace_period_accepts_no_report(world, joint, filing, reject):
    occurred_at = timezone.now() - timedelta(hours=2)
    closed = operations.operation_transition(user=world.coordinator, operation=joint, action="close")

    with time_machine.travel(closed.reporting_closes_at + timedelta(seconds=1), tick=False):
        errors = reject(occurred_at=occurred_at)

    assert errors == {
        "operation": [("not_accepting", "Operation DEMETER-2026 does not accept seizure reports now: it is closed.")]
    }


@pytest.mark.django_db
def test_a_closed_operation_accepts_reports_during_its_grace_period(world, joint, filing):
    occurred_at = timezone.now() - timedelta(hours=2)
    closed = operations.operation_transition(user=world.coordinator, operation=joint, action="close")

    with time_machine.travel(closed.reporting_closes_at - timedelta(minutes=1), tick=False):
        seizure = services.seizure_create(
            user=world.officer_ng, operation=closed, data=filing(occurred_at=occurred_at), submit=True
        )

    assert seizure.status == "submitted"


@pytest.mark.django_db
def test_a_draft_operation_accepts_no_report(world, make_operation, reject):
    now = timezone.now()
    draft = make_operation(code="DEMETER-2027", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
    operations.participation_invite(user=world.coordinator, operation=draft, administrations=[world.nigeria])
    operations.participation_respond(
        user=world.ncp_ng, participation=draft.participations.get(administration=world.nigeria), accept=True
    )

    errors = reject(operation=draft)

    assert errors == {
        "operation": [("not_accepting", "Operation DEMETER-2027 does not accept seizure reports now: it is draft.")]
    }


# --- Date and time -----------------------------------------------------------------------------


def _window_message(operation):
    return "The seizure date must fall within the operation's window, {} to {}.".format(
        operation.starts_at.strftime("%Y-%m-%d %H:%M UTC"), operation.ends_at.strftime("%Y-%m-%d %H:%M UTC")
    )


@pytest.mark.django_db
def test_a_seizure_before_the_operation_started_is_refused(joint, reject):
    errors = reject(occurred_at=joint.starts_at - timedelta(minutes=1))

    assert errors == {"occurred_at": [("outside_window", _window_message(joint))]}


@pytest.mark.django_db
def test_a_seizure_after_the_operation_ended_is_refused(world, joint, reject):
    closed = operations.operation_transition(user=world.coordinator, operation=joint, action="close")

    with time_machine.travel(closed.ends_at + timedelta(days=2), tick=False):
        errors = reject(occurred_at=closed.ends_at + timedelta(hours=1))

    assert errors == {"occurred_at": [("outside_window", _window_message(closed))]}


@pytest.mark.django_db
def test_a_seizure_in_the_future_is_refused(reject):
    errors = reject(occurred_at=timezone.now() + timedelta(hours=1))

    assert errors == {"occurred_at": [("future", "The seizure date cannot be in the future.")]}


@pytest.mark.django_db
def test_the_date_of_the_seizure_is_required(reject):
    errors = reject(occurred_at=None)

    assert errors == {"occurred_at": [("required", "Give the date and time of the seizure.")]}


# --- HS codes ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_hs_code_is_refused(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 1, hs_code="9999"))

    assert errors == {"lines.1.hs_code": [("unknown_hs", "9999 is not a heading or subheading of HS 2022.")]}


@pytest.mark.django_db
def test_a_malformed_hs_code_is_refused(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 0, hs_code="12a"))

    assert errors == {
        "lines.0.hs_code": [
            ("invalid_hs", "An HS code has 4 or 6 digits, optionally followed by 2 to 4 national digits.")
        ]
    }


@pytest.mark.django_db
def test_a_national_extension_is_kept_beside_the_subheading(filing, file_seizure):
    seizure = file_seizure(lines=_changed(filing()["lines"], 0, hs_code="8549.11.00"))

    line = _lines(seizure)[0]
    assert (line.hs_code_id, line.hs_national) == ("854911", "85491100")


@pytest.mark.django_db
def test_a_four_digit_heading_is_accepted(filing, file_seizure):
    seizure = file_seizure(lines=_changed(filing()["lines"], 0, hs_code="8549"))

    line = _lines(seizure)[0]
    assert (line.hs_code_id, line.hs_national) == ("8549", "")


# --- Quantities and units ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-3")])
def test_a_quantity_must_be_positive(filing, reject, quantity):
    errors = reject(lines=_changed(filing()["lines"], 1, quantity=quantity))

    assert errors == {"lines.1.quantity": [("not_positive", "The quantity must be greater than zero.")]}


@pytest.mark.django_db
def test_an_unknown_unit_is_refused(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 0, unit="xyz"))

    assert errors == {"lines.0.unit": [("unknown", "Unknown unit XYZ.")]}


@pytest.mark.django_db
def test_a_unit_is_required_for_goods_other_than_species(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 1, unit=""))

    assert errors == {"lines.1.unit": [("required", GIVE_A_UNIT)]}


@pytest.mark.django_db
def test_species_without_a_unit_are_counted_as_specimens(file_seizure):
    seizure = file_seizure(lines=[_cites_line(quantity=Decimal("12"), unit="")], reasons=[])

    line = _lines(seizure)[0]
    assert line.unit is None
    assert (line.pieces, line.kg, line.m3) == (Decimal("12"), None, None)


@pytest.mark.django_db
def test_a_unit_of_length_fits_only_goods_measured_by_length(filing, reject, file_seizure):
    errors = reject(lines=_changed(filing()["lines"], 1, unit="MTR"))

    assert errors == {
        "lines.1.unit": [
            ("unit_mismatch", "MTR measures length or area, which does not fit HS 841810: use a mass, volume or count.")
        ]
    }
    timber = _cites_line(
        hs_code="440349",
        description="Afrormosia logs",
        species="Pericopsis elata",
        quantity=Decimal("40"),
        unit="MTR",
        cites_term="TIM",
        live_count=None,
    )
    assert file_seizure(lines=[timber], reasons=[]).status == "submitted"


@pytest.mark.django_db
def test_a_unit_must_fit_the_cites_term(reject):
    errors = reject(lines=[_cites_line(unit="KIL")], reasons=[])

    assert errors == {"lines.0.unit": [("unit_mismatch", "LIV is reported in NOS, not in KIL.")]}


@pytest.mark.django_db
def test_a_cites_term_with_two_units_names_both(reject, file_seizure):
    tusks = _cites_line(
        hs_code="0507", description="Elephant tusks", species="Loxodonta africana", cites_term="TUS", live_count=None
    )

    errors = reject(lines=[{**tusks, "unit": "LTR"}], reasons=[])

    assert errors == {"lines.0.unit": [("unit_mismatch", "TUS is reported in NOS, KIL, not in LTR.")]}
    assert file_seizure(lines=[{**tusks, "unit": "KIL"}], reasons=[]).status == "submitted"


# --- Route -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_route_has_at_least_one_leg(reject):
    errors = reject(route=[])

    assert errors == {"route": [("required", "Give at least one route leg: the country of discovery.")]}


@pytest.mark.django_db
def test_a_route_marks_the_place_of_discovery(filing, reject):
    errors = reject(route=_changed(filing()["route"], 2, role="destination"))

    assert errors == {
        "route": [("no_discovery", "Mark the leg where the goods were discovered: it is your country (NG).")]
    }


@pytest.mark.django_db
def test_a_route_has_one_place_of_discovery(filing, reject):
    errors = reject(route=_changed(filing()["route"], 1, role="discovery", country="NG"))

    assert errors == {"route": [("several_discoveries", "A route has one place of discovery.")]}


@pytest.mark.django_db
def test_the_country_of_discovery_is_the_reporting_country(filing, reject):
    errors = reject(route=_changed(filing()["route"], 2, country="GH"))

    assert errors == {
        "route.2.country": [("discovery_not_reporter", "The country of discovery is the reporting country (NG).")]
    }


@pytest.mark.django_db
def test_the_origin_comes_first(filing, reject):
    route = filing()["route"]

    errors = reject(route=[route[1], route[0], route[2]])

    assert errors == {"route.1.role": [("origin_not_first", "The origin comes first in the route.")]}


@pytest.mark.django_db
def test_a_leg_in_an_unknown_country_is_refused(filing, reject):
    errors = reject(route=_changed(filing()["route"], 0, country="xx"))

    assert errors == {"route.0.country": [("unknown", "Unknown country code XX.")]}


@pytest.mark.django_db
def test_a_leg_port_lies_in_the_leg_country(filing, reject):
    errors = reject(route=_changed(filing()["route"], 0, place_port="FRLEH"))

    assert errors == {"route.0.place_port": [("port_country", "FRLEH is not in IT.")]}


# --- Conveyance and place ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_container_number_with_a_wrong_check_digit_is_refused(reject):
    errors = reject(containers=["CSQU3054384"])

    assert errors == {
        "containers": [
            ("invalid_container", "CSQU3054384: The container number check digit is wrong (expected 3, given 4).")
        ]
    }


@pytest.mark.django_db
def test_a_malformed_container_number_is_refused(reject):
    errors = reject(containers=["CSQU305438"])

    assert errors == {
        "containers": [
            (
                "invalid_container",
                "CSQU305438: A container number has four letters and seven digits, such as CSQU 305438 3.",
            )
        ]
    }


@pytest.mark.django_db
def test_an_imo_number_with_a_wrong_check_digit_is_refused(reject):
    errors = reject(vessel_imo="9321484")

    assert errors == {"vessel_imo": [("invalid_imo", "The IMO number check digit is wrong (expected 3, given 4).")]}


@pytest.mark.django_db
def test_an_imo_number_is_stored_as_its_seven_digits(file_seizure):
    seizure = file_seizure(vessel_imo="IMO 9321483")

    seizure.refresh_from_db()
    assert seizure.vessel_imo == "9321483"


@pytest.mark.django_db
def test_a_malformed_un_locode_is_refused(reject):
    errors = reject(place_locode="NG1AB")

    assert errors == {
        "place_locode": [
            ("invalid_locode", "A UN/LOCODE is a country code and three letters or digits, such as FRLEH.")
        ]
    }


@pytest.mark.django_db
def test_a_un_locode_abroad_is_refused(reject):
    errors = reject(place_locode="FRLEH")

    assert errors == {"place_locode": [("foreign_place", "The place of seizure must be in your country (NG).")]}


@pytest.mark.django_db
def test_an_unknown_port_is_refused(reject):
    errors = reject(place_port="XXXXX")

    assert errors == {"place_port": [("unknown", "No port or airport has the code XXXXX.")]}


@pytest.mark.django_db
def test_a_port_abroad_is_refused(reject):
    errors = reject(place_port="FRLEH")

    assert errors == {"place_port": [("foreign_place", "The place of seizure must be in your country (NG).")]}


@pytest.mark.django_db
def test_the_port_gives_the_un_locode(file_seizure):
    seizure = file_seizure(place_port="NGAPP")

    seizure.refresh_from_db()
    assert (seizure.place_port.code, seizure.place_locode) == ("NGAPP", "NGAPP")


@pytest.mark.django_db
def test_a_latitude_needs_a_longitude(reject):
    errors = reject(latitude=Decimal("6.45"), longitude=None)

    assert errors == {"longitude": [("incomplete", "Give both latitude and longitude, or neither.")]}


# --- What belongs on which kind of line --------------------------------------------------------


@pytest.mark.django_db
def test_basel_reasons_need_a_waste_line(reject):
    errors = reject(lines=[_cites_line()], reasons=["a"])

    assert errors == {
        "reasons": [("not_waste", "Basel Article 9 reasons apply to waste: add a waste line or leave them out.")]
    }


@pytest.mark.django_db
def test_a_waste_code_belongs_on_a_waste_line(reject):
    errors = reject(lines=[_cites_line(waste_code="A1160")], reasons=[])

    assert errors == {"lines.0.waste_code": [("not_waste", "A Basel code belongs on a waste line.")]}


@pytest.mark.django_db
def test_an_ods_substance_belongs_on_a_montreal_line(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 0, ods_substance="HCFC-22"))

    assert errors == {"lines.0.ods_substance": [("not_ods", "An ODS substance belongs on a Montreal Protocol line.")]}


@pytest.mark.django_db
def test_species_fields_belong_on_species_lines(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 0, species="Loxodonta africana", live_count=3))

    assert errors == {
        "lines.0.species": [("not_species", "This field is for species lines only.")],
        "lines.0.live_count": [("not_species", "This field is for species lines only.")],
    }


@pytest.mark.django_db
def test_survivors_cannot_outnumber_the_live_animals(reject):
    errors = reject(lines=[_cites_line(live_count=5, surviving_count=6)], reasons=[])

    assert errors == {
        "lines.0.surviving_count": [("too_many_survivors", "Survivors cannot outnumber the animals alive at seizure.")]
    }


@pytest.mark.django_db
def test_survivors_need_the_count_alive_at_seizure(reject):
    errors = reject(lines=[_cites_line(live_count=None, surviving_count=6)], reasons=[])

    assert errors == {"lines.0.live_count": [("required", "Give how many were alive at seizure.")]}


@pytest.mark.django_db
def test_an_unknown_mea_is_refused(filing, reject):
    errors = reject(lines=_changed(filing()["lines"], 1, mea="KYOTO"))

    assert errors == {"lines.1.mea": [("unknown", "Unknown MEA KYOTO.")]}


@pytest.mark.django_db
def test_a_seizure_has_at_least_one_line(reject):
    errors = reject(lines=[], reasons=[])

    assert errors == {"lines": [("required", "Report at least one commodity line.")]}


# --- Parties -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_company_has_no_date_of_birth(reject):
    company = {"kind": "company", "role": "exporter", "name": "Eurotrade Srl", "date_of_birth": timezone.now().date()}

    errors = reject(parties=[company])

    assert errors == {
        "parties.0.kind": [
            (
                "company_fields",
                "A company has a registration number, not a date of birth, nationality or identity document.",
            )
        ]
    }


@pytest.mark.django_db
def test_a_date_of_birth_is_in_the_past(reject):
    person = {
        "kind": "person",
        "role": "suspect",
        "name": "John Doe",
        "date_of_birth": timezone.now().date() + timedelta(days=1),
    }

    errors = reject(parties=[person])

    assert errors == {"parties.0.date_of_birth": [("future", "The date of birth cannot be in the future.")]}


# --- The operation's template ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_field_the_operation_requires_must_be_filled(world, joint, reject, file_seizure):
    operations.operation_update(user=world.coordinator, operation=joint, field_rules={"vessel": "required"})

    errors = reject(vessel_name="", vessel_imo="")

    assert errors == {"vessel_name": [("required_by_operation", "This operation requires this field.")]}
    assert file_seizure(vessel_name="", vessel_imo="9321483").status == "submitted"


@pytest.mark.django_db
def test_a_field_the_operation_hides_must_be_left_out(world, joint, reject, file_seizure):
    operations.operation_update(user=world.coordinator, operation=joint, field_rules={"narrative": "hidden"})

    errors = reject(narrative="Used fridges declared as second-hand goods.")

    assert errors == {"narrative": [("hidden_by_operation", "This operation does not collect this field.")]}
    assert file_seizure(narrative="").status == "submitted"


# --- Soft findings -----------------------------------------------------------------------------


def _unlinked_pair():
    """A BASEL line under an HS code the reference data does not link to BASEL."""
    linked = list(MeaHsLink.objects.filter(mea="BASEL").values_list("hs_code_id", flat=True))
    code = "0106"
    assert not any(code.startswith(item) or item.startswith(code) for item in linked)
    assert HsCode.objects.filter(code=code).exists()
    return code


@pytest.mark.django_db
def test_an_hs_code_the_mea_does_not_cover_is_accepted_and_flagged(filing, file_seizure):
    code = _unlinked_pair()

    seizure = file_seizure(lines=_changed(filing()["lines"], 1, hs_code=code, unit="PCS"))

    assert seizure.status == "submitted"
    assert _findings(seizure) == (
        True,
        [{"code": "hs_not_linked", "field": "lines.1.hs_code", "detail": "0106 / BASEL"}],
    )


@pytest.mark.django_db
def test_an_mea_outside_the_operation_scope_is_accepted_and_flagged(file_seizure):
    seizure = file_seizure(lines=[_cites_line()], reasons=[])

    assert seizure.status == "submitted"
    assert _findings(seizure) == (True, [{"code": "mea_out_of_scope", "field": "lines.0.mea", "detail": "CITES"}])


@pytest.mark.django_db
def test_an_hs_code_outside_the_commodity_focus_is_accepted_and_flagged(world, joint, file_seizure):
    operations.operation_update(
        user=world.coordinator, operation=joint, scope_hs_codes=[HsCode.objects.get(code="8549")]
    )

    seizure = file_seizure()

    assert seizure.status == "submitted"
    assert _findings(seizure) == (
        True,
        [{"code": "hs_out_of_scope", "field": "lines.1.hs_code", "detail": "841810"}],
    )


@pytest.mark.django_db
def test_a_line_over_fifty_thousand_tonnes_is_accepted_and_flagged(file_seizure):
    slag = _waste_line(hs_code="2618", description="Granulated slag", quantity=Decimal("50001"), waste_code="")

    seizure = file_seizure(lines=[slag])

    assert seizure.status == "submitted"
    assert _findings(seizure) == (
        True,
        [{"code": "quantity_unusual", "field": "lines.0.quantity", "detail": "50001 t"}],
    )


@pytest.mark.django_db
def test_fifty_thousand_tonnes_exactly_is_not_flagged(file_seizure):
    slag = _waste_line(hs_code="2618", description="Granulated slag", quantity=Decimal("50000"), waste_code="")

    assert _findings(file_seizure(lines=[slag])) == (False, [])


def _file_history(file_seizure, count):
    """Submitted seizures of one batteries line each (12.5 t), not of one shipment."""
    for _number in range(count):
        file_seizure(lines=[_waste_line()], containers=[], transport_document="")


@pytest.mark.django_db
def test_a_line_twenty_times_the_usual_weight_of_its_heading_is_flagged(file_seizure):
    _file_history(file_seizure, 5)

    seizure = file_seizure(lines=[_waste_line(quantity=Decimal("300"))], containers=[], transport_document="")

    assert seizure.status == "submitted"
    assert _findings(seizure) == (
        True,
        [{"code": "quantity_unusual", "field": "lines.0.quantity", "detail": "300000 kg / 12500 kg"}],
    )


@pytest.mark.django_db
def test_a_heavy_line_is_not_flagged_below_twenty_times_the_usual_weight(file_seizure):
    _file_history(file_seizure, 5)

    seizure = file_seizure(lines=[_waste_line(quantity=Decimal("250"))], containers=[], transport_document="")

    assert _findings(seizure) == (False, [])


@pytest.mark.django_db
def test_a_heavy_line_is_not_flagged_without_five_earlier_lines_of_its_heading(file_seizure):
    _file_history(file_seizure, 4)

    seizure = file_seizure(lines=[_waste_line(quantity=Decimal("300"))], containers=[], transport_document="")

    assert _findings(seizure) == (False, [])


@pytest.mark.django_db
def test_an_edit_keeps_the_unusual_quantity_flag(world, file_seizure):
    _file_history(file_seizure, 5)
    seizure = file_seizure(lines=[_waste_line(quantity=Decimal("300"))], containers=[], transport_document="")
    assert _findings(seizure)[0] is True
    data = services.seizure_as_filing(seizure, with_parties=False)

    services.seizure_update(user=world.officer_ng, seizure=seizure, data={**data, "narrative": "Batteries, 300 t."})

    assert _findings(seizure) == (
        True,
        [{"code": "quantity_unusual", "field": "lines.0.quantity", "detail": "300000 kg / 12500 kg"}],
    )


@pytest.mark.django_db
def test_drafts_do_not_count_in_the_usual_weight(file_seizure):
    for _number in range(5):
        file_seizure(submit=False, lines=[_waste_line()], containers=[], transport_document="")

    seizure = file_seizure(lines=[_waste_line(quantity=Decimal("300"))], containers=[], transport_document="")

    assert _findings(seizure) == (False, [])


# --- Normalised quantities ---------------------------------------------------------------------


@pytest.mark.django_db
def test_quantities_are_normalised_to_kilograms_cubic_metres_and_pieces(file_seizure):
    lines = [
        _waste_line(quantity=Decimal("12.5"), unit="TNE"),
        _waste_line(hs_code="300692", description="Expired medicines", quantity=Decimal("500"), unit="GRM"),
        _waste_line(hs_code="271099", description="Used engine oil", quantity=Decimal("200"), unit="LTR"),
        _waste_line(hs_code="841810", description="End-of-life refrigerators", quantity=Decimal("40"), unit="PCS"),
    ]

    seizure = file_seizure(lines=lines)

    assert [(line.unit_id, line.kg, line.m3, line.pieces) for line in _lines(seizure)] == [
        ("TNE", Decimal("12500"), None, None),
        ("GRM", Decimal("0.5"), None, None),
        ("LTR", None, Decimal("0.2"), None),
        ("PCS", None, None, Decimal("40")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("substance_code", "hs_code"), [("HCFC-22", "290371"), ("CFC-12", "290377")])
def test_odp_and_co2_equivalent_tonnes_follow_the_substance(file_seizure, substance_code, hs_code):
    substance = OdsSubstance.objects.get(code=substance_code)
    quantity = Decimal("1360")

    seizure = file_seizure(
        lines=[_waste_line(), _ods_line(hs_code=hs_code, quantity=quantity, ods_substance=substance_code)]
    )

    line = _lines(seizure)[1]
    tonnes = quantity / 1000
    assert line.kg == quantity
    assert line.odp_tonnes == (tonnes * substance.odp).quantize(Decimal("0.000001"))
    assert line.co2e_tonnes == (tonnes * substance.gwp).quantize(Decimal("0.000001"))
    assert line.odp_tonnes > 0


@pytest.mark.django_db
def test_an_ods_in_tonnes_is_converted_before_its_odp(file_seizure):
    substance = OdsSubstance.objects.get(code="HCFC-22")

    seizure = file_seizure(lines=[_waste_line(), _ods_line(quantity=Decimal("2.5"), unit="TNE")])

    line = _lines(seizure)[1]
    assert line.kg == Decimal("2500")
    assert line.odp_tonnes == (Decimal("2.5") * substance.odp).quantize(Decimal("0.000001"))
    assert line.co2e_tonnes == (Decimal("2.5") * substance.gwp).quantize(Decimal("0.000001"))


# --- Every error at once -----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(filing, reject):
    errors = reject(
        lines=_changed(filing()["lines"], 1, hs_code="9999.99"),
        route=_changed(filing()["route"], 2, country="GH"),
        containers=["CSQU3054384"],
    )

    assert errors == {
        "lines.1.hs_code": [("unknown_hs", "999999 is not a heading or subheading of HS 2022.")],
        "route.2.country": [("discovery_not_reporter", "The country of discovery is the reporting country (NG).")],
        "containers": [
            ("invalid_container", "CSQU3054384: The container number check digit is wrong (expected 3, given 4).")
        ],
    }
