"""The PDF debrief and its download stamp, read back as a reader's tools see them (pdftotext, pypdf)."""

import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from reports.datasets import operation_dataset
from reports.pdf import debrief_pdf, watermark_pdf
from seizures import services as seizures

HEAVY = [
    {
        "mea": "BASEL",
        "hs_code": "8549.11",
        "description": "Waste lead-acid batteries",
        "quantity": Decimal("1234.567"),
        "unit": "TNE",
        "waste_code": "A1160",
    }
]
STAMP = "Downloaded by jdoe (Nigeria Customs) on 2026-11-28 14:03 UTC — do not forward"


def pdf_text(pdf, tmp_path, page=None):
    """The text of the PDF (or of one page) as ``pdftotext -layout`` lays it out."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is missing: install poppler-utils (make pdftools) to read PDFs back")
    path = tmp_path / "debrief.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run([pdftotext, "-layout", *pages, str(path), "-"], capture_output=True, check=True, timeout=60)
    return done.stdout.decode()


def flat(text):
    """Words separated by single spaces, whatever the layout (no-break spaces included)."""
    return " ".join(text.replace("\xa0", " ").split())


@pytest.fixture
def filed(world, joint, file_seizure):
    """Nigeria files two seizures, 1,234.567 t and 12.5 t of batteries; the coordinator validates the first."""
    heavy = file_seizure(lines=HEAVY, containers=["MSKU1234565"], transport_document="")
    seizures.seizure_validate(user=world.coordinator, seizure=heavy)
    light = file_seizure()
    return {"validated": heavy, "submitted": light}


def debrief(joint, language="en", kind="preliminary"):
    data = operation_dataset(operation=joint, kind=kind, audience="coordination", language=language)
    return data, debrief_pdf(data)


@pytest.mark.django_db
def test_the_debrief_is_a_pdf_of_several_pages_titled_after_the_operation(joint, filed):
    _, pdf = debrief(joint)

    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    assert reader.metadata.title == "DEMETER-2026: Preliminary report"


@pytest.mark.django_db
def test_the_title_page_names_the_operation_the_kind_and_the_coordinators(joint, filed, tmp_path):
    data, pdf = debrief(joint)

    title_page = flat(pdf_text(pdf, tmp_path, page=1))
    assert "DEMETER-2026" in title_page
    assert "Demeter 2026" in title_page
    assert "Preliminary report" in title_page
    assert data["operation"]["coordinating_administration"] in title_page
    assert formats.date_format(joint.starts_at.date(), "DATE_FORMAT") in title_page


@pytest.mark.django_db
def test_the_final_report_says_so(joint, filed, tmp_path):
    _, pdf = debrief(joint, kind="final")

    text = flat(pdf_text(pdf, tmp_path))
    assert "Final report" in text
    assert "Preliminary report" not in text


@pytest.mark.django_db
def test_key_figures_are_listed_with_their_values_grouped_by_thousands(joint, filed, tmp_path):
    data, pdf = debrief(joint)

    text = flat(pdf_text(pdf, tmp_path))
    figures = {figure["key"]: figure for figure in data["key_figures"]}
    assert figures["tonnes"]["value"] == 1247.067
    assert "Tonnes 1,247.067" in text
    assert "Seizures 2" in text
    assert "Unweighed pieces 40" in text
    for figure in data["key_figures"]:
        assert figure["label"] in text
    assert f"Largest single seizure {filed['validated'].reference}, reported by NG" in text


@pytest.mark.django_db
def test_every_table_is_printed_with_its_title_and_column_labels(joint, filed, tmp_path):
    data, pdf = debrief(joint)

    text = flat(pdf_text(pdf, tmp_path))
    for table in data["tables"].values():
        assert table["title"] in text
    assert "Commodity streams by HS heading HS heading Description Seizures Commodity lines Tonnes" in text
    assert "Seizures by reporting country Country Country name RILO Seizures" in text
    assert "NG Nigeria WA 2 3 1,247.067" in text


@pytest.mark.django_db
def test_the_annex_lists_the_validated_seizures_only(joint, filed, tmp_path):
    _, pdf = debrief(joint)

    annex = flat(pdf_text(pdf, tmp_path)).split("Annex: validated seizures", 1)[1]
    assert "1 validated seizure." in annex
    assert "Reference Seized on Country Place MEA HS codes Description Tonnes" in annex
    assert filed["validated"].reference in annex
    assert filed["submitted"].reference not in annex


@pytest.mark.django_db
def test_the_annex_says_how_many_seizures_it_leaves_out(world, joint, filed, monkeypatch, tmp_path):
    seizures.seizure_validate(user=world.coordinator, seizure=filed["submitted"])
    monkeypatch.setattr("reports.datasets.ANNEX_MAX_ROWS", 1)

    data, pdf = debrief(joint)

    assert (data["tables"]["annex"]["total"], len(data["tables"]["annex"]["rows"])) == (2, 1)
    annex = flat(pdf_text(pdf, tmp_path)).split("Annex: validated seizures", 1)[1]
    assert "Only the first 1 of 2 validated seizures are listed; 1 is not." in annex


@pytest.mark.django_db
def test_every_page_has_a_footer_with_the_operation_and_the_page_number(joint, filed, tmp_path):
    _, pdf = debrief(joint)

    count = len(PdfReader(io.BytesIO(pdf)).pages)
    for number in range(1, count + 1):
        page = flat(pdf_text(pdf, tmp_path, page=number))
        assert f"DEMETER-2026 Page {number} of {count}" in page


@pytest.mark.django_db
def test_charts_are_drawn_with_their_axis_labels_as_text(joint, filed, tmp_path):
    _, pdf = debrief(joint)

    reader = PdfReader(io.BytesIO(pdf))
    text = pdf_text(pdf, tmp_path)
    charts = text.split("Tonnes by commodity stream (HS heading, top 10)", 1)[1].split("Tables", 1)[0]
    headings, rest = charts.split("Seizures by reporting country (top 15)", 1)
    countries, days = rest.split("Seizures counted each day", 1)
    assert re.search(r"^\s*8549 .+\s1,247\.067\s*$", headings, re.MULTILINE)
    assert re.search(r"^\s*NG\s*$", countries, re.MULTILINE)  # the country axis
    with translation.override("en"):
        today = formats.date_format(timezone.now().date(), "j M")
    assert re.search(rf"^\s*{today}\s*$", days, re.MULTILINE)  # the time axis
    chart_page = next(page for page in reader.pages if "Seizures by reporting country (top 15)" in page.extract_text())
    assert re.search(rb"\bre\s+f", chart_page.get_contents().get_data())  # bars are filled rectangles


@pytest.mark.django_db
def test_the_french_debrief_is_in_french_with_french_numbers(joint, filed, tmp_path):
    data, pdf = debrief(joint, language="fr")

    text = flat(pdf_text(pdf, tmp_path))
    assert "Déméter 2026" in text
    assert "Rapport préliminaire" in text
    assert "Chiffres clés" in text
    assert "Page 1 sur" in text
    labels = {figure["key"]: figure["label"] for figure in data["key_figures"]}
    assert f"{labels['tonnes']} 1 247,067" in text
    for english in ("Preliminary report", "Key figures", "Page 1 of"):
        assert english not in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "DEMETER-2026: Rapport préliminaire"


@pytest.mark.django_db
def test_characters_outside_the_font_are_replaced_not_fatal(joint, filed, tmp_path):
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")
    data["operation"]["name"] = "Cœur d’opération — 3\u202f582 t, 北京"

    text = pdf_text(debrief_pdf(data), tmp_path, page=1)

    assert "Cœur d’opération — 3 582 t, ??" in flat(text)


@pytest.mark.django_db
def test_the_download_stamp_is_on_every_page_as_text(joint, filed, tmp_path):
    _, pdf = debrief(joint)

    stamped = watermark_pdf(pdf, STAMP)

    pages = PdfReader(io.BytesIO(stamped)).pages
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages) > 1
    for number, page in enumerate(pages, start=1):
        assert STAMP in flat(pdf_text(stamped, tmp_path, page=number))
        assert STAMP in flat(page.extract_text())
    assert "DEMETER-2026" in pdf_text(stamped, tmp_path, page=1)  # the page itself is still there
    assert STAMP not in pdf_text(pdf, tmp_path)


@pytest.mark.django_db
def test_the_stamp_takes_accented_names(joint, filed, tmp_path):
    _, pdf = debrief(joint, language="fr")
    stamp = "Téléchargé par Zoë Lœwy (Douanes du Sénégal) le 2026-11-28 14:03 UTC"

    stamped = watermark_pdf(pdf, stamp)

    assert stamp in flat(pdf_text(stamped, tmp_path, page=2))


@pytest.mark.django_db
def test_an_operation_without_seizures_still_gets_its_debrief(joint, tmp_path):
    _, pdf = debrief(joint)

    text = flat(pdf_text(pdf, tmp_path))
    assert "No seizures are counted in this edition yet." in text
    assert "Nothing to show in this edition." in text
    assert "0 validated seizures." in text


DESTINATIONS = ["BJ", "BF", "CM", "CI", "GA", "GM", "GH", "GN", "LR", "ML", "NE", "SN", "SL", "TG"]


@pytest.mark.django_db
def test_a_wide_route_matrix_shows_the_busiest_destinations_and_points_to_the_full_one(joint, file_seizure, tmp_path):
    for number, country in enumerate(DESTINATIONS):
        route = [
            {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
            {"role": "discovery", "country": "NG", "place_port": "", "place_name": "Apapa"},
            {"role": "destination", "country": country, "place_port": "", "place_name": ""},
        ]
        for copy in range(2 if country in ("TG", "BJ") else 1):
            file_seizure(route=route, containers=[], transport_document=f"BL-{number}-{copy}")

    data, pdf = debrief(joint)

    assert len(data["tables"]["route_matrix"]["columns"]) == 1 + len(DESTINATIONS)
    matrix = flat(pdf_text(pdf, tmp_path)).split("Origin-to-destination matrix", 1)[1].split("Top routes", 1)[0]
    assert "Only the 12 destinations (of 14) with the most seizures are shown." in matrix
    assert "The full matrix is in the CSV and XLSX downloads." in matrix
    # the two busiest and, of those with one seizure each, the first ten by code; SL and SN are summed up
    assert "Origin BF BJ CI CM GA GH GM GN LR ML NE TG Other destinations Total" in matrix
    assert "IT 1 2 1 1 1 1 1 1 1 1 1 2 2 16" in matrix
