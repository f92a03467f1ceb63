"""The CITES Annual Illegal Trade Report: one administration's CITES lines of one calendar year, as XLSX."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from operations import services as operations
from reference.models import Country, Mea, Port
from reports.aitr import COLUMNS, HEADER_ROW, aitr_workbook
from seizures import services as seizures

KEYS = [key for key, _label in COLUMNS]
TUSKS = {
    "mea": "CITES", "hs_code": "0507.10", "description": "Elephant tusks", "quantity": Decimal("12"), "unit": "KIL",
    "species": "Loxodonta africana", "cites_appendix": "I", "cites_term": "TUS", "disposal": "evidence",
}  # fmt: skip
PARROTS = {
    "mea": "CITES", "hs_code": "0106.32", "description": "Grey parrots", "quantity": Decimal("30"), "unit": "",
    "species": "Psittacus erithacus", "cites_appendix": "I", "cites_term": "LIV", "live_count": 30,
    "surviving_count": 27, "disposal": "rescue_centre",
}  # fmt: skip
ROSEWOOD = {
    "mea": "TIMBER", "hs_code": "4403.49", "description": "Rosewood logs", "quantity": Decimal("5"), "unit": "CUM",
    "species": "Pterocarpus erinaceus", "cites_appendix": "II",
}  # fmt: skip
BATTERIES = {
    "mea": "BASEL", "hs_code": "8549.11", "description": "Waste lead-acid batteries", "quantity": Decimal("12.5"),
    "unit": "TNE", "waste_code": "A1160",
}  # fmt: skip
GHANA = {
    "place_port": "GHTEM",
    "route": [
        {"role": "origin", "country": "CM", "place_port": "", "place_name": "Douala"},
        {"role": "discovery", "country": "GH", "place_port": "GHTEM", "place_name": ""},
    ],
}
URL = reverse("report-aitr")


def _cites(file_seizure, lines=(TUSKS,), **overrides):
    """A species seizure: no Basel reasons, and its own shipment so that no two filings are linked."""
    return file_seizure(lines=list(lines), reasons=[], containers=[], transport_document="", **overrides)


def _year(seizure):
    return seizure.occurred_at.astimezone(UTC).year


def _sheet(content):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def _rows(sheet):
    return [dict(zip(KEYS, row, strict=True)) for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]


def _workbook_rows(administration, year, language="en"):
    return _rows(_sheet(aitr_workbook(administration=administration, year=year, language=language)))


@pytest.fixture
def ghana_joins(world, joint):
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


@pytest.fixture
def long_running(world, make_operation):
    """A CITES operation active for more than a year, in which Nigeria takes part: seizures of last year fit."""
    now = timezone.now()
    operation = make_operation(
        code="CITES-LONG",
        starts_at=now - timedelta(days=400),
        ends_at=now + timedelta(days=30),
        scope_meas=[Mea.objects.get(code="CITES")],
    )
    operations.participation_invite(user=world.coordinator, operation=operation, administrations=[world.nigeria])
    operations.participation_respond(
        user=world.ncp_ng, participation=operation.participations.get(administration=world.nigeria), accept=True
    )
    return operations.operation_transition(user=world.coordinator, operation=operation, action="activate")


# --- the workbook ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_workbook_names_the_party_the_year_and_the_day_then_heads_the_table(world, joint, file_seizure):
    year = _year(_cites(file_seizure))

    sheet = _sheet(aitr_workbook(administration=world.nigeria, year=year, language="en"))

    block = list(sheet.iter_rows(max_row=HEADER_ROW, values_only=True))
    assert block[0][0] == "CITES annual illegal trade report"
    assert block[1][:2] == ("Reporting Party", "Nigeria")
    assert block[2][:2] == ("Year", year)
    assert block[3][0] == "Generated on"
    assert block[3][1].date() == timezone.now().date()
    assert block[HEADER_ROW - 1][:6] == (
        "Date of seizure", "Species (scientific name)", "CITES appendix", "Description of specimens (CITES term)",
        "Quantity", "Unit",
    )  # fmt: skip
    assert len(block[HEADER_ROW - 1]) == len(COLUMNS)
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"


@pytest.mark.django_db
def test_each_cites_line_is_one_row_mapped_from_the_seizure_message(world, joint, file_seizure):
    seizure = _cites(file_seizure, lines=[TUSKS, BATTERIES, PARROTS])

    tusks, parrots = _workbook_rows(world.nigeria, _year(seizure))

    assert tusks["date"].date() == seizure.occurred_at.astimezone(UTC).date()
    assert (tusks["species"], tusks["appendix"], tusks["term"]) == ("Loxodonta africana", "I", "TUS tusks")
    assert (tusks["quantity"], tusks["unit"]) == (12, "KIL")
    assert (tusks["origin"], tusks["export"], tusks["transit"]) == ("Italy", None, "Spain")
    assert tusks["destination"] == "Nigeria"  # an import, with no destination leg: bound for the reporter
    assert tusks["location"] == f"{Port.objects.get(code='NGAPP').name}, Nigeria"
    assert tusks["detection"] == "Risk profiling, Physical examination"
    assert tusks["transport"] == "Maritime transport"
    assert tusks["concealment"] == "Misdeclaration"
    assert tusks["disposal"] == "Held as evidence"
    assert (tusks["reference"], tusks["operation"]) == (seizure.reference, joint.code)
    assert tusks["reason"] is tusks["value"] is tusks["offence"] is tusks["sanctions"] is None
    assert (parrots["term"], parrots["quantity"], parrots["unit"]) == ("LIV live", 30, "specimens")
    assert parrots["disposal"] == "Sent to a rescue centre"
    assert parrots["additional"] == "Description: Grey parrots; Alive at seizure: 30; Surviving: 27"


@pytest.mark.django_db
def test_export_transit_and_destination_legs_are_read_from_the_route(world, joint, file_seizure):
    route = [
        {"role": "origin", "country": "CM", "place_port": "", "place_name": ""},
        {"role": "export", "country": "GA", "place_port": "", "place_name": ""},
        {"role": "transit", "country": "ES", "place_port": "", "place_name": ""},
        {"role": "transit", "country": "FR", "place_port": "", "place_name": ""},
        {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
        {"role": "destination", "country": "CN", "place_port": "", "place_name": ""},
    ]
    seizure = _cites(file_seizure, route=route, direction="transit")

    (row,) = _workbook_rows(world.nigeria, _year(seizure))

    names = {code: Country.objects.get(code=code).name_en for code in ("CM", "GA", "ES", "FR", "CN")}
    assert row["origin"] == names["CM"]
    assert row["export"] == names["GA"]
    assert row["transit"] == f"{names['ES']}, {names['FR']}"
    assert row["destination"] == names["CN"]


@pytest.mark.django_db
def test_a_species_named_under_another_heading_is_a_cites_line_too(world, joint, file_seizure):
    seizure = _cites(file_seizure, lines=[ROSEWOOD])

    (row,) = _workbook_rows(world.nigeria, _year(seizure))

    assert (row["species"], row["appendix"], row["quantity"], row["unit"]) == ("Pterocarpus erinaceus", "II", 5, "CUM")


@pytest.mark.django_db
def test_waste_drafts_withdrawn_and_other_administrations_lines_are_left_out(world, joint, file_seizure, ghana_joins):
    listed = _cites(file_seizure)
    file_seizure()  # waste only
    _cites(file_seizure, submit=False)
    seizures.seizure_withdraw(user=world.officer_ng, seizure=_cites(file_seizure))
    _cites(file_seizure, user=world.officer_gh, **GHANA)
    validated = _cites(file_seizure, lines=[PARROTS])
    seizures.seizure_validate(user=world.coordinator, seizure=validated)

    rows = _workbook_rows(world.nigeria, _year(listed))

    assert sorted(row["reference"] for row in rows) == sorted([listed.reference, validated.reference])
    (ghanaian,) = _workbook_rows(world.ghana, _year(listed))
    assert ghanaian["origin"] == Country.objects.get(code="CM").name_en


@pytest.mark.django_db
def test_a_year_runs_from_the_first_of_january_to_the_thirty_first_of_december_utc(world, long_running, file_seizure):
    this_year = timezone.now().year
    new_year = _cites(file_seizure, operation=long_running, occurred_at=datetime(this_year, 1, 1, tzinfo=UTC))
    eve = _cites(
        file_seizure, operation=long_running, occurred_at=datetime(this_year - 1, 12, 31, 23, 59, 59, tzinfo=UTC)
    )

    assert [row["reference"] for row in _workbook_rows(world.nigeria, this_year)] == [new_year.reference]
    assert [row["reference"] for row in _workbook_rows(world.nigeria, this_year - 1)] == [eve.reference]
    assert _workbook_rows(world.nigeria, this_year - 2) == []


@pytest.mark.django_db
def test_who_was_involved_never_appears(world, joint, file_seizure):
    seizure = _cites(file_seizure, lines=[TUSKS, PARROTS])
    assert seizure.parties.filter(name__in=["John Doe", "Eurotrade Srl"]).count() == 2

    sheet = _sheet(aitr_workbook(administration=world.nigeria, year=_year(seizure), language="en"))

    text = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    assert "Loxodonta africana" in text
    for nominal in ("John Doe", "Eurotrade", "IT-991", "Used fridges"):
        assert nominal not in text


@pytest.mark.django_db
def test_text_a_spreadsheet_would_evaluate_is_stored_as_text(world, joint, file_seizure):
    formula = '=HYPERLINK("http://x")'
    seizure = _cites(file_seizure, lines=[{**TUSKS, "species": formula}])

    sheet = _sheet(aitr_workbook(administration=world.nigeria, year=_year(seizure), language="en"))

    cell = next(sheet.iter_rows(min_row=HEADER_ROW + 1))[KEYS.index("species")]
    assert (cell.data_type, cell.value) == ("s", "'" + formula)


@pytest.mark.django_db
def test_headers_and_labels_follow_the_language_asked_for(world, joint, file_seizure):
    seizure = _cites(file_seizure, lines=[PARROTS])

    sheet = _sheet(aitr_workbook(administration=world.nigeria, year=_year(seizure), language="fr"))

    block = list(sheet.iter_rows(max_row=HEADER_ROW, values_only=True))
    header = block[HEADER_ROW - 1]
    assert block[1][1] == Country.objects.get(code="NG").name_fr
    assert (header[2], header[4], header[5]) == ("Annexe CITES", "Quantité", "Unité")
    (row,) = _rows(sheet)
    assert (row["unit"], row["term"]) == ("spécimens", "LIV vivants")


@pytest.mark.django_db
def test_rows_cost_the_same_queries_however_many_seizures(world, joint, file_seizure):
    year = _year(_cites(file_seizure))

    with CaptureQueriesContext(connection) as one:
        aitr_workbook(administration=world.nigeria, year=year, language="en")
    for _ in range(3):
        _cites(file_seizure, lines=[TUSKS, PARROTS])
    with CaptureQueriesContext(connection) as four:
        rows = _workbook_rows(world.nigeria, year)

    assert len(rows) == 7
    assert len(four) == len(one)


# --- the page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL, {"year": "2025"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_form_proposes_last_year_for_the_users_own_administration(world, page_for):
    response = page_for(world.analyst_ng).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{timezone.now().year - 1}"' in html
    assert 'name="administration"' not in html
    assert str(world.nigeria) in html


@pytest.mark.django_db
def test_a_national_contact_downloads_the_administrations_report_and_it_is_logged(world, joint, file_seizure, page_for):
    seizure = _cites(file_seizure)
    year = _year(seizure)

    response = page_for(world.ncp_ng).get(URL, {"year": str(year)})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="AITR-{year}-NG.xlsx"'
    assert [row["reference"] for row in _rows(_sheet(response.content))] == [seizure.reference]
    entry = AccessLog.objects.get(user=world.ncp_ng)
    assert (entry.action, entry.object_type, entry.object_id, entry.reference, entry.channel) == (
        AccessLog.Action.EXPORT, "report", str(world.nigeria.pk), f"AITR {year} NG", "page",
    )  # fmt: skip


@pytest.mark.django_db
def test_the_download_speaks_the_pages_language(world, joint, file_seizure, page_for):
    year = _year(_cites(file_seizure))
    page = page_for(world.officer_ng)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = page.get(URL, {"year": str(year)})

    header = next(_sheet(response.content).iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True))
    assert header[4] == "Quantité"


@pytest.mark.django_db
def test_another_countrys_officer_gets_only_their_own_report(world, joint, file_seizure, ghana_joins, page_for):
    year = _year(_cites(file_seizure))

    response = page_for(world.officer_gh).get(URL, {"year": str(year), "administration": str(world.nigeria.pk)})

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="AITR-{year}-GH.xlsx"'
    assert _rows(_sheet(response.content)) == []
    assert AccessLog.objects.get(user=world.officer_gh).object_id == str(world.ghana.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["observer_ng", "coordinator", "observer_unep"])
def test_people_who_do_not_prepare_a_national_report_find_no_page(world, page_for, who):
    page = page_for(getattr(world, who))

    assert page.get(URL).status_code == 404
    assert page.get(URL, {"year": "2025", "administration": str(world.nigeria.pk)}).status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_the_secretariat_chooses_a_national_administration(world, joint, file_seizure, page_for):
    seizure = _cites(file_seizure)
    year = _year(seizure)
    page = page_for(world.secretariat)

    form = page.get(URL).content.decode()
    response = page.get(URL, {"year": str(year), "administration": str(world.nigeria.pk)})

    assert f'<option value="{world.nigeria.pk}">' in form
    assert f'<option value="{world.office.pk}">' not in form
    assert response["Content-Disposition"] == f'attachment; filename="AITR-{year}-NG.xlsx"'
    assert [row["reference"] for row in _rows(_sheet(response.content))] == [seizure.reference]
    assert AccessLog.objects.get(user=world.secretariat).reference == f"AITR {year} NG"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("administration", "message"),
    [
        (None, "This field is required."),
        ("999999", "Choose a national administration from the list."),
        ("office", "Choose a national administration from the list."),
        ("lagos", "Choose a national administration from the list."),
    ],
)
def test_the_secretariat_must_name_a_known_national_administration(world, page_for, administration, message):
    query = {"year": "2025"}
    if administration is not None:
        query["administration"] = str(world.office.pk) if administration == "office" else administration

    response = page_for(world.secretariat).get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("", "This field is required."),
        ("last", "Enter a year as four digits, such as 2025."),
        ("2025.5", "Enter a year as four digits, such as 2025."),
        ("1974", "Choose a year from 1975 to {now}."),
        ("{next}", "Choose a year from 1975 to {now}."),
        ("99999999999999999999", "Choose a year from 1975 to {now}."),
    ],
)
def test_a_year_that_is_not_a_reporting_year_is_refused_beside_the_field(world, page_for, year, message):
    now = timezone.now().year

    response = page_for(world.officer_ng).get(URL, {"year": year.format(next=now + 1)})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message.format(now=now) in response.content.decode()
    assert not AccessLog.objects.exists()
