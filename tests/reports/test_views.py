"""Report pages, as a browser without JavaScript uses them."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from reports.models import Report


@pytest.mark.django_db
def test_a_coordinator_generates_an_edition_and_downloads_every_format(world, joint, file_seizure, page_for):
    file_seizure()
    page = page_for(world.coordinator)

    listing = page.get(reverse("report-list", args=[joint.pk]))
    assert listing.status_code == 200
    assert b"Generate an edition" in listing.content

    answer = page.post(reverse("report-list", args=[joint.pk]), {"kind": "preliminary", "language": "en"})

    report = Report.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("report-detail", args=[report.pk])
    detail = page.get(answer["Location"])
    assert b'http-equiv="refresh"' not in detail.content
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("json", b"{")):
        response = page.get(reverse("report-download", args=[report.pk, fmt]))
        assert response.status_code == 200
        assert response.content.startswith(magic)
        assert response["Content-Disposition"].startswith("attachment;")
    table = page.get(reverse("report-table-csv", args=[report.pk, "by_country"]))
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[1][0] == "NG"
    assert AccessLog.objects.filter(user=world.coordinator, object_type="report").count() == 4


@pytest.mark.django_db
def test_a_report_being_generated_refreshes_itself_and_shows_progress(world, joint, file_seizure, page_for, settings):
    settings.REPORT_INLINE_MAX_LINES = 0
    file_seizure()
    page = page_for(world.coordinator)

    page.post(reverse("report-list", args=[joint.pk]), {"kind": "final", "language": "fr"})

    report = Report.objects.get()
    detail = page.get(reverse("report-detail", args=[report.pk]))
    assert b'http-equiv="refresh"' in detail.content
    assert b"<progress" in detail.content
    assert page.get(reverse("report-download", args=[report.pk, "pdf"])).status_code == 404


@pytest.mark.django_db
def test_bad_input_re_renders_the_form_with_the_field_error(world, joint, page_for):
    page = page_for(world.coordinator)

    response = page.post(reverse("report-list", args=[joint.pk]), {"kind": "interim", "language": "en"})

    assert response.status_code == 400
    assert b"interim is not one of the available choices" in response.content
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_officers_see_editions_but_cannot_generate(world, joint, page_for):
    page = page_for(world.officer_ng)

    assert b"Generate an edition" not in page.get(reverse("report-list", args=[joint.pk])).content
    assert page.post(reverse("report-list", args=[joint.pk]), {"kind": "final", "language": "en"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_fr", "other_coordinator"])
def test_hidden_operations_and_reports_answer_404(world, joint, file_seizure, page_for, who):
    file_seizure()
    page_for(world.coordinator).post(reverse("report-list", args=[joint.pk]), {"kind": "final", "language": "en"})
    report = Report.objects.get()
    page = page_for(getattr(world, who))

    for url in (
        reverse("report-list", args=[joint.pk]),
        reverse("report-lines-csv", args=[joint.pk]),
        reverse("report-detail", args=[report.pk]),
        reverse("report-download", args=[report.pk, "pdf"]),
        reverse("report-table-csv", args=[report.pk, "by_mea"]),
    ):
        assert page.get(url).status_code == 404, url


@pytest.mark.django_db
def test_the_raw_lines_stream_as_csv_and_the_export_is_logged(world, joint, file_seizure, page_for):
    file_seizure()
    page = page_for(world.analyst_ng)

    response = page.get(reverse("report-lines-csv", args=[joint.pk]), {"kind": "preliminary"})

    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3  # a header and the two commodity lines
    assert AccessLog.objects.filter(user=world.analyst_ng, object_type="report").count() == 1
    assert page.get(reverse("report-lines-csv", args=[joint.pk]), {"kind": "x"}).status_code == 404


@pytest.mark.django_db
def test_unknown_formats_and_tables_answer_404(world, joint, file_seizure, page_for):
    file_seizure()
    page = page_for(world.coordinator)
    page.post(reverse("report-list", args=[joint.pk]), {"kind": "final", "language": "en"})
    report = Report.objects.get()

    assert page.get(reverse("report-download", args=[report.pk, "docx"])).status_code == 404
    assert page.get(reverse("report-table-csv", args=[report.pk, "nothing"])).status_code == 404
