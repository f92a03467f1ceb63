"""Downloads follow the reader's scope: no report carries names of persons or companies, and a reader
without party access finds none in anything they download."""

import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from operations import services as operations
from reports.models import Report
from seizures import services as seizures

PARTY_DATA = ["John Doe", "Eurotrade Srl", "IT-991"]


def _everything(page, operation, report) -> str:
    """Every download of an operation's report, as text."""
    texts = []
    for kind in ("preliminary", "final"):
        response = page.get(reverse("report-lines-csv", args=[operation.pk]), {"kind": kind})
        assert response.status_code == 200
        texts.append(b"".join(response.streaming_content).decode("utf-8-sig"))
    texts.append(page.get(reverse("report-download", args=[report.pk, "json"])).content.decode())
    for table in [*report.data["tables"], "key_figures"]:
        texts.append(page.get(reverse("report-table-csv", args=[report.pk, table])).content.decode("utf-8-sig"))
    workbook = load_workbook(io.BytesIO(page.get(reverse("report-download", args=[report.pk, "xlsx"])).content))
    texts += [repr(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    pdf = page.get(reverse("report-download", args=[report.pk, "pdf"])).content
    texts.append(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode())
    api = page.get(f"/api/v1/operations/{operation.pk}/report/").content.decode()
    texts.append(api)
    return "\n".join(texts)


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["analyst_ng", "ncp_gh", "coordinator"])
def test_no_download_carries_party_data(world, joint, file_seizure, page_for, reader):
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )
    seizure = file_seizure()
    seizures.seizure_validate(user=world.coordinator, seizure=seizure)
    page = page_for(getattr(world, reader))
    page.post(reverse("report-list", args=[joint.pk]), {"kind": "final", "language": "en"})
    report = Report.objects.get()

    text = _everything(page, joint, report)

    assert seizure.reference in text  # the seizure is there, counted and listed ...
    for value in PARTY_DATA:
        assert value not in text  # ... but never who was involved
