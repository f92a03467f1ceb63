"""Downloads: the raw lines as CSV (streamed; by COPY on PostgreSQL), a dataset's tables as CSV, the workbook."""

import csv
import inspect
import io
from datetime import UTC
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import load_workbook

from operations import services as operations
from reports import exports
from reports.datasets import operation_dataset
from seizures import services as seizures

KEYS = [key for key, _label, _kind in exports.LINE_COLUMNS]
FORMULAS = ['=HYPERLINK("http://x")', "@SUM(A1)", "-2+3"]
GHANA = {
    "place_port": "GHTEM",
    "route": [
        {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
        {"role": "discovery", "country": "GH", "place_port": "GHTEM", "place_name": ""},
    ],
}


def _line(description, quantity="1", unit="TNE", **extra):
    return {"mea": "BASEL", "hs_code": "8549.11", "description": description, "quantity": Decimal(quantity),
            "unit": unit, **extra}  # fmt: skip


def _content(operation, *, kind="preliminary", audience="coordination", language="en"):
    return b"".join(exports.lines_csv(operation=operation, kind=kind, audience=audience, language=language))


def _table(content):
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _records(operation, **options):
    header, *rows = _table(_content(operation, **options))
    assert len(header) == len(KEYS)
    return [dict(zip(KEYS, row, strict=True)) for row in rows]


def _figures(data):
    return {figure["key"]: figure["value"] for figure in data["key_figures"]}


@pytest.fixture
def ghana_joins(world, joint):
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


# --- raw lines -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_commodity_line_is_one_row_with_its_seizure_route_and_counts(joint, file_seizure):
    seizure = file_seizure()

    records = _records(joint)

    seized_on = seizure.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    shared = {
        "reference": "DEMETER-2026/NG/0001", "status": "submitted", "country": "NG", "occurred_at": seized_on,
        "place": "NGAPP", "direction": "import", "transport_mode": "1", "mea": "BASEL", "hs_national": "",
        "m3": "", "ods_substance": "", "odp_tonnes": "", "co2e_tonnes": "", "equipment_pieces": "", "species": "",
        "cites_appendix": "", "cites_term": "", "live_count": "", "surviving": "", "disposal": "",
        "route": "IT origin > ES transit > NG discovery", "origin": "IT", "destination": "NG", "case": "",
        "counted": "1", "persons": "1", "companies": "1",
    }  # fmt: skip
    assert records == [
        {**shared, "hs_code": "854911", "description": "Waste lead-acid batteries", "quantity": "12.5",
         "unit": "TNE", "kg": "12500", "pieces": "", "waste_code": "A1160"},
        {**shared, "hs_code": "841810", "description": "End-of-life refrigerators", "quantity": "40",
         "unit": "PCS", "kg": "", "pieces": "40", "waste_code": ""},
    ]  # fmt: skip


@pytest.mark.django_db
def test_rows_follow_the_reference_then_the_line_position(joint, file_seizure):
    file_seizure(lines=[_line("First"), _line("Second"), _line("Third")])
    file_seizure(lines=[_line("Fourth")])

    records = _records(joint)

    assert [(row["reference"], row["description"]) for row in records] == [
        ("DEMETER-2026/NG/0001", "First"),
        ("DEMETER-2026/NG/0001", "Second"),
        ("DEMETER-2026/NG/0001", "Third"),
        ("DEMETER-2026/NG/0002", "Fourth"),
    ]


@pytest.mark.django_db
def test_the_header_speaks_the_language_asked_for(joint, file_seizure):
    file_seizure()

    english = _table(_content(joint, language="en"))[0]
    french = _table(_content(joint, language="fr"))[0]

    assert english[:2] == ["Reference", "Status"]
    assert english[7:9] == ["MEA", "HS code"]
    assert french[1] == "Statut"
    assert french[7:9] == ["AME", "code SH"]


@pytest.mark.django_db
def test_only_seizures_shared_with_participants_are_listed_for_them(world, joint, file_seizure):
    shared = file_seizure()
    kept = file_seizure(handling_code="red", containers=[], transport_document="")

    for_participants = {row["reference"] for row in _records(joint, audience="participants")}
    for_coordination = {row["reference"] for row in _records(joint, audience="coordination")}

    assert for_participants == {shared.reference}
    assert for_coordination == {shared.reference, kept.reference}


@pytest.mark.django_db
def test_a_final_export_lists_validated_seizures_only(world, joint, file_seizure):
    validated = seizures.seizure_validate(user=world.coordinator, seizure=file_seizure())
    file_seizure()
    file_seizure(submit=False)

    assert {row["reference"] for row in _records(joint, kind="final")} == {validated.reference}
    assert len(_records(joint, kind="preliminary")) == 4


@pytest.mark.django_db
def test_who_was_involved_is_counted_never_named(joint, file_seizure, filing):
    file_seizure()
    people = [
        {"kind": "person", "role": "suspect", "name": "Jane Roe", "nationality": "NG", "document_number": "A123"},
        {"kind": "person", "role": "carrier", "name": "Kofi Mensah", "address": "12 Harbour Road"},
    ]
    file_seizure(parties=people, containers=[], transport_document="")

    content = _content(joint)

    for nominal in ("John Doe", "Eurotrade Srl", "IT-991", "Jane Roe", "A123", "Kofi Mensah", "Harbour Road"):
        assert nominal.encode() not in content
    counts = {(row["reference"], row["persons"], row["companies"]) for row in _records(joint)}
    assert counts == {("DEMETER-2026/NG/0001", "1", "1"), ("DEMETER-2026/NG/0002", "2", "0")}


@pytest.mark.django_db
def test_counted_rows_add_up_to_the_report_totals_when_two_administrations_report_one_container(
    world, joint, file_seizure, ghana_joins
):
    nigerian = file_seizure()
    ghanaian = file_seizure(user=world.officer_gh, lines=[_line("Batteries", "3")], **GHANA)
    file_seizure(containers=["MSKU1234565"], transport_document="", lines=[_line("Scrap", "0.75")])

    records = _records(joint)
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")

    nigerian.refresh_from_db()
    assert nigerian.case_id is not None
    cases = {(row["reference"], row["case"], row["counted"]) for row in records}
    assert cases == {
        (nigerian.reference, str(nigerian.case_id), "1"),
        (ghanaian.reference, str(nigerian.case_id), "0"),
        ("DEMETER-2026/NG/0002", "", "1"),
    }
    counted_kg = sum(Decimal(row["kg"]) for row in records if row["counted"] == "1" and row["kg"])
    assert float(counted_kg) == pytest.approx(_figures(data)["tonnes"] * 1000, abs=1)
    assert float(counted_kg) == 13250
    ghana_row = next(row for row in records if row["reference"] == ghanaian.reference)
    assert (ghana_row["place"], ghana_row["route"], ghana_row["destination"]) == (
        "GHTEM",
        "IT origin > GH discovery",
        "GH",
    )


@pytest.mark.django_db
def test_the_lines_stream_in_chunks_from_a_generator(joint, file_seizure, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(exports, "CHUNK_BYTES", 10)
    for _ in range(3):
        file_seizure(containers=[], transport_document="")

    stream = exports.lines_csv(operation=joint, kind="preliminary", audience="coordination", language="en")

    assert inspect.isgenerator(stream)
    chunks = list(stream)
    assert len(chunks) >= 4
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert len(_table(b"".join(chunks))) == 1 + 6


# --- CSV injection ---------------------------------------------------------------------------


@pytest.fixture
def formulas(world, joint, file_seizure):
    """Three validated seizures whose single line is described by something a spreadsheet would evaluate."""
    filed = [file_seizure(lines=[_line(text, "2")], containers=[], transport_document="") for text in FORMULAS]
    for seizure in filed:
        seizures.seizure_validate(user=world.coordinator, seizure=seizure)
    return filed


@pytest.mark.django_db
def test_formulas_typed_by_an_officer_come_out_as_text_in_the_lines_csv(joint, formulas):
    descriptions = [row["description"] for row in _records(joint)]

    assert descriptions == ["'" + text for text in FORMULAS]


@pytest.mark.django_db
def test_formulas_come_out_as_text_in_a_table_csv(joint, formulas):
    data = operation_dataset(operation=joint, kind="final", audience="coordination", language="en")

    header, *rows = _table(exports.table_csv(data["tables"]["largest"]))

    assert header == [column["label"] for column in data["tables"]["largest"]["columns"]]
    assert sorted(row[4] for row in rows) == sorted("'" + text for text in FORMULAS)
    assert {row[5] for row in rows} == {"2"}  # tonnes: a number, not neutralised


@pytest.mark.django_db
def test_formulas_come_out_as_strings_not_formulas_in_the_workbook(joint, formulas):
    data = operation_dataset(operation=joint, kind="final", audience="coordination", language="en")

    workbook = load_workbook(io.BytesIO(exports.workbook_xlsx(data)))

    sheet = workbook["Largest seizures"]
    descriptions = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(descriptions) == sorted("'" + text for text in FORMULAS)
    for row in sheet.iter_rows(min_row=2):
        assert row[4].data_type == "s"
        assert (row[5].data_type, row[5].value) == ("n", 2)


# --- tables and workbook ---------------------------------------------------------------------


@pytest.mark.django_db
def test_key_figures_csv_lists_label_value_and_key(joint, file_seizure):
    file_seizure()
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")

    header, *rows = _table(exports.key_figures_csv(data))

    assert header == ["Figure", "Value", "Code"]
    assert ["Tonnes", "12.5", "tonnes"] in rows
    assert ["Seizures", "1", "seizures"] in rows
    assert [row[2] for row in rows] == [figure["key"] for figure in data["key_figures"]]


@pytest.mark.django_db
def test_the_workbook_has_key_figures_then_one_sheet_per_table(joint, file_seizure):
    file_seizure()
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="fr")

    workbook = load_workbook(io.BytesIO(exports.workbook_xlsx(data)))

    assert len(workbook.sheetnames) == 1 + len(data["tables"])
    assert len({name.lower() for name in workbook.sheetnames}) == len(workbook.sheetnames)
    for name in workbook.sheetnames:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
    figures = workbook.worksheets[0]
    assert figures.freeze_panes == "A2"
    assert all(cell.font.bold for cell in figures[1])
    values = {row[2]: row[1] for row in figures.iter_rows(min_row=2, values_only=True)}
    assert values["tonnes"] == 12.5
    assert values["seizures"] == 1
    by_mea = workbook.worksheets[1 + list(data["tables"]).index("by_mea")]
    assert [cell.value for cell in by_mea[1]] == [column["label"] for column in data["tables"]["by_mea"]["columns"]]
    assert by_mea.freeze_panes == "A2"


@pytest.mark.django_db
def test_sheet_titles_are_shortened_cleaned_and_made_unique(joint, file_seizure):
    file_seizure()
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")
    data["tables"] = {
        "one": {**data["tables"]["by_mea"], "title": "Annex: validated seizures / by [region]?"},
        "two": {**data["tables"]["by_mea"], "title": "Annex: validated seizures / by [region]!"},
    }

    workbook = load_workbook(io.BytesIO(exports.workbook_xlsx(data)))

    assert workbook.sheetnames == ["Key figures", "Annex validated seizures by reg", "Annex validated seizures by (2)"]


# --- PostgreSQL COPY -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_the_same_bytes_as_python(world, joint, file_seizure, ghana_joins):
    seizures.seizure_validate(user=world.coordinator, seizure=file_seizure())
    file_seizure(
        handling_code="red",
        containers=[],
        transport_document="",
        parties=[],
        route=[{"role": "discovery", "country": "NG", "place_port": "", "place_name": "Lagos"}],
        place_port="",
        place_locode="NGLOS",
        lines=[
            _line('Drums, "mixed" waste\nsecond line', "0.125", "KGM"),
            _line("Déchets\rélectroniques", "3", "MTQ"),
            _line(FORMULAS[0], "1.5", "TNE"),
            {"mea": "MONTREAL", "hs_code": "2903.71", "description": "+HCFC-22 cylinders", "quantity": Decimal("13.6"),
             "unit": "KGM", "ods_substance": "HCFC-22"},
            {"mea": "CITES", "hs_code": "0106.20", "description": "@Tortoises", "quantity": Decimal("12"),
             "unit": "", "species": "Testudo graeca", "cites_appendix": "II", "cites_term": "LIV", "live_count": 12,
             "surviving_count": 9, "disposal": "rescue_centre"},
            _line("\tTabbed", "7", "PCS"),
        ],
    )  # fmt: skip
    file_seizure(user=world.officer_gh, lines=[_line("Batteries", "3")], **GHANA)
    file_seizure(submit=False)

    for kind, audience, rows in [
        ("preliminary", "coordination", 9),
        ("preliminary", "participants", 3),
        ("final", "coordination", 2),
    ]:
        options = {"operation": joint, "kind": kind, "audience": audience, "language": "fr"}
        copied = b"".join(exports._copy_lines(**options))
        written = b"".join(exports._python_lines(**options))
        assert copied == written
        assert len(_table(copied)) == 1 + rows
    assert b"".join(exports.lines_csv(**options)) == copied
