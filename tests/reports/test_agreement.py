"""For the demo operation, JSON, CSV, XLSX and PDF tell the same totals, and those totals equal an
independent computation from the raw rows."""

import csv
import io
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from operations.models import Operation
from reports.exports import LINE_COLUMNS
from reports.models import Report
from reports.pdf import format_number


def _rows(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _lines(response) -> list[dict[str, str]]:
    """The raw lines CSV, its columns named by their documented keys (the header is in the reader's language)."""
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    keys = [key for key, *_rest in LINE_COLUMNS]
    assert len(rows[0]) == len(keys)
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def _independent_totals(lines: list[dict[str, str]]) -> dict[str, float]:
    """Totals recomputed from the raw lines CSV alone: rows of counted seizures only, one per line."""
    counted = [line for line in lines if line["counted"] == "1"]
    kg = sum((Decimal(line["kg"]) for line in counted if line["kg"]), Decimal(0))
    unweighed = sum((Decimal(line["pieces"]) for line in counted if line["pieces"] and not line["kg"]), Decimal(0))
    per_country: dict[str, set[str]] = defaultdict(set)
    for line in counted:
        per_country[line["country"]].add(line["reference"])
    return {
        "seizures": len({line["reference"] for line in counted}),
        "lines": len(counted),
        "tonnes": round(float(kg) / 1000, 3),
        "pieces_unweighed": float(unweighed),
        "odp_tonnes": round(float(sum(Decimal(line["odp_tonnes"] or 0) for line in counted)), 3),
        "co2e_tonnes": round(float(sum(Decimal(line["co2e_tonnes"] or 0) for line in counted)), 3),
        "countries_reporting": len(per_country),
        "per_country": {country: len(references) for country, references in per_country.items()},
    }


@pytest.mark.django_db
def test_every_format_agrees_with_the_raw_rows(client):
    call_command("seed_demo", verbosity=0)
    coordinator = User.objects.get(username="coordinator")
    operation = Operation.objects.get(code="DEMETER-2026")
    client.force_login(coordinator)

    client.post(reverse("report-list", args=[operation.pk]), {"kind": "preliminary", "language": "en"})
    report = Report.objects.filter(operation=operation, kind="preliminary").order_by("-version").first()
    assert report is not None
    assert report.version == 2  # the demo comes with a first edition
    data = client.get(reverse("report-download", args=[report.pk, "json"])).json()
    figures = {figure["key"]: figure["value"] for figure in data["key_figures"]}

    lines = _lines(client.get(reverse("report-lines-csv", args=[operation.pk]), {"kind": "preliminary"}))
    independent = _independent_totals(lines)
    for key in ("seizures", "lines", "tonnes", "pieces_unweighed", "odp_tonnes", "co2e_tonnes", "countries_reporting"):
        assert figures[key] == pytest.approx(independent[key], abs=0.001), key
    assert figures["seizures"] > 50

    by_country = _rows(client.get(reverse("report-table-csv", args=[report.pk, "by_country"])))
    country_column, seizures_column = list(by_country[0])[0:4:3]
    assert {row[country_column]: int(row[seizures_column]) for row in by_country} == independent["per_country"]
    key_figures_csv = _rows(client.get(reverse("report-table-csv", args=[report.pk, "key_figures"])))
    label, value = list(key_figures_csv[0])[:2]
    assert {row[label]: float(row[value]) for row in key_figures_csv} == {
        figure["label"]: float(figure["value"]) for figure in data["key_figures"]
    }

    workbook = load_workbook(io.BytesIO(client.get(reverse("report-download", args=[report.pk, "xlsx"])).content))
    sheet = workbook.worksheets[0]
    in_workbook = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    for figure in data["key_figures"]:
        assert in_workbook[figure["label"]] == pytest.approx(figure["value"]), figure["label"]

    pdf = client.get(reverse("report-download", args=[report.pk, "pdf"])).content
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF back"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for figure in data["key_figures"]:
        assert figure["label"] in text, figure["label"]
        assert format_number(figure["value"], "en") in text, (figure["label"], figure["value"])
