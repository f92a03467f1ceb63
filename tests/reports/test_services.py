"""Report editions: counting rules, versions, jobs with progress, notification, downloads."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AccessLog
from messaging.models import Event, Notification
from operations import services as operations
from reports import selectors, services
from reports.choices import ReportAudience, ReportStatus
from reports.datasets import Builder, operation_dataset
from reports.models import Report
from seizures import services as seizures

GHANA = {
    "place_port": "GHTEM",
    "route": [
        {"role": "origin", "country": "IT", "place_port": "", "place_name": "Genoa"},
        {"role": "discovery", "country": "GH", "place_port": "", "place_name": "Tema"},
    ],
}


def _figures(data):
    return {figure["key"]: figure["value"] for figure in data["key_figures"]}


@pytest.fixture
def ghana_joins(world, joint):
    operations.participation_respond(
        user=world.ncp_gh, participation=joint.participations.get(administration=world.ghana), accept=True
    )


@pytest.fixture
def filed(world, joint, file_seizure, ghana_joins):
    """Nigeria files three seizures (one validated, one of them the same container Ghana reports too);
    Ghana files the shared container and keeps it for the coordinators only."""
    validated = file_seizure(containers=["MSKU1234565"], transport_document="")
    seizures.seizure_validate(user=world.coordinator, seizure=validated)
    shared = file_seizure()
    lines = [
        {"mea": "BASEL", "hs_code": "8549.11", "description": "Batteries", "quantity": Decimal("3"), "unit": "TNE"}
    ]
    ghanaian = file_seizure(user=world.officer_gh, lines=lines, handling_code="red", **GHANA)
    draft = file_seizure(submit=False, containers=[], transport_document="")
    return {"validated": validated, "shared": shared, "ghanaian": ghanaian, "draft": draft}


@pytest.mark.django_db
def test_a_preliminary_report_counts_submitted_and_validated_and_a_shipment_once(joint, filed):
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")

    figures = _figures(data)
    filed["shared"].refresh_from_db()
    filed["ghanaian"].refresh_from_db()
    assert filed["shared"].case_id == filed["ghanaian"].case_id is not None
    assert (figures["seizure_reports"], figures["seizures"], figures["linked_duplicates"]) == (3, 2, 1)
    # two Nigerian seizures of 12.5 t batteries each; Ghana's 3 t report of the same container is not added
    assert figures["tonnes"] == 25.0
    assert figures["pieces_unweighed"] == 80
    assert figures["administrations_invited"] == 3
    assert figures["administrations_accepted"] == 2


@pytest.mark.django_db
def test_a_final_report_counts_validated_seizures_only(joint, filed):
    data = operation_dataset(operation=joint, kind="final", audience="coordination", language="en")

    figures = _figures(data)
    assert (figures["seizures"], figures["tonnes"]) == (1, 12.5)
    assert [row[0] for row in data["tables"]["annex"]["rows"]] == [filed["validated"].reference]


@pytest.mark.django_db
def test_the_route_tables_and_distance(joint, filed):
    data = operation_dataset(operation=joint, kind="preliminary", audience="coordination", language="en")

    routes = {(row[0], row[1]): row for row in data["tables"]["top_routes"]["rows"]}
    _origin, _destination, count, tonnes, distance = routes[("IT", "NG")]
    assert (count, tonnes) == (2, 25.0)
    assert 3000 < distance < 5000  # Italy to Nigeria, great circle between their ports' mean positions


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the per-seizure route query is PostgreSQL's")
def test_routes_aggregated_per_seizure_match_routes_looked_up_per_line(world, joint, filed, file_seizure):
    weighed = {"mea": "BASEL", "hs_code": "8549.11", "description": "Drums", "quantity": Decimal("0.125"),
               "unit": "KGM"}  # fmt: skip
    unweighed = {"mea": "BASEL", "hs_code": "8549.11", "description": "Cells", "quantity": Decimal("7"),
                 "unit": "PCS"}  # fmt: skip
    file_seizure(lines=[weighed, unweighed, weighed], containers=[], transport_document="")
    file_seizure(
        lines=[unweighed], containers=[], transport_document="",
        route=[{"role": "discovery", "country": "NG", "place_port": "", "place_name": "Lagos"}],
    )  # fmt: skip
    for kind in ("preliminary", "final"):
        builder = Builder(operation=joint, kind=kind, audience="coordination")

        per_seizure = sorted(builder._routes_per_seizure(), key=lambda row: (row["origin"] or "", str(row)))
        per_line = sorted(builder._routes_per_line(), key=lambda row: (row["origin"] or "", str(row)))

        assert per_seizure == [dict(row) for row in per_line]
    assert len(per_seizure) >= 1


@pytest.mark.django_db
def test_participants_see_only_shared_seizures_listed_but_the_same_totals(world, joint, filed):
    seizures.seizure_validate(user=world.coordinator, seizure=filed["ghanaian"])
    full = operation_dataset(operation=joint, kind="final", audience="coordination", language="en")
    shared = operation_dataset(operation=joint, kind="final", audience="participants", language="en")

    assert _figures(full) == _figures(shared)
    listed = {row[0] for row in shared["tables"]["annex"]["rows"]}
    assert filed["ghanaian"].reference not in listed
    assert filed["ghanaian"].reference in {row[0] for row in full["tables"]["annex"]["rows"]}


@pytest.mark.django_db
def test_the_baseline_table_compares_with_a_previous_edition(world, joint, filed, make_operation):
    previous = make_operation(code="DEMETER-2025", name_en="Demeter 2025")

    data = operation_dataset(
        operation=joint, kind="preliminary", audience="coordination", language="en", baseline=previous
    )

    rows = {row[0]: row for row in data["tables"]["baseline"]["rows"]}
    assert rows["Seizures"][1:4] == [2, 0, 2]
    assert rows["Seizures"][4] is None  # no percentage against zero


@pytest.mark.django_db
def test_a_small_operation_is_reported_at_once_in_numbered_editions(world, joint, filed):
    first = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="fr")
    second = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")

    assert (first.status, first.progress, first.version, second.version) == (ReportStatus.READY, 100, 1, 2)
    assert first.audience == ReportAudience.COORDINATION
    assert first.data["language"] == "fr"
    assert first.data["tables"]["by_mea"]["title"] == "Saisies et quantités par accord"
    assert first.pdf.size > 1000
    assert first.xlsx.size > 1000
    assert first.generated_at is not None


@pytest.mark.django_db
def test_a_large_operation_is_generated_by_a_worker_and_the_requester_told(
    world, joint, filed, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_INLINE_MAX_LINES = 1

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.report_request(user=world.analyst_ng, operation=joint, kind="final", language="en")
    assert (report.status, report.progress) == (ReportStatus.PENDING, 0)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()  # the eager worker runs the task

    report.refresh_from_db()
    assert (report.status, report.progress, report.audience) == (ReportStatus.READY, 100, ReportAudience.PARTICIPANTS)
    event = Event.objects.get(type="report")
    assert (event.op, event.payload["id"]) == ("ready", report.pk)
    assert list(event.recipients.values_list("user_id", flat=True)) == [world.analyst_ng.pk]
    assert Notification.objects.filter(user=world.analyst_ng, key=f"report-ready:{report.pk}").exists()


@pytest.mark.django_db
def test_generation_happens_once_however_often_it_is_asked(world, joint, filed):
    report = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")
    pdf = report.pdf_id

    again = services.report_generate(report_id=report.pk)

    assert (again.pdf_id, again.status) == (pdf, ReportStatus.READY)
    assert Event.objects.filter(type="report").count() == 0  # generated within the request: nothing to announce


@pytest.mark.django_db
def test_the_sweep_finishes_an_edition_a_killed_worker_left_running(world, joint, filed, settings):
    settings.REPORT_INLINE_MAX_LINES = 1
    report = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, progress=40, created_at=an_hour_ago, claimed_at=an_hour_ago
    )

    assert services.reports_generate_pending() == 1

    report.refresh_from_db()
    assert (report.status, report.progress) == (ReportStatus.READY, 100)


@pytest.mark.django_db
def test_an_edition_being_generated_is_not_taken_over_however_long_it_waited(
    world, joint, filed, settings, monkeypatch
):
    settings.REPORT_INLINE_MAX_LINES = 1
    settings.REPORT_STALE_SECONDS = 60
    report = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=1))  # a long queue
    generations: list[int] = []
    dataset = services.operation_dataset

    def dataset_while_the_task_comes_again(**kwargs):
        generations.append(report.pk)
        if len(generations) == 1:  # the task handed to a second worker, and the sweep, while this one works
            assert services.report_generate(report_id=report.pk).status == ReportStatus.RUNNING
            assert services.reports_generate_pending() == 0
        return dataset(**kwargs)

    monkeypatch.setattr(services, "operation_dataset", dataset_while_the_task_comes_again)
    services.report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert generations == [report.pk]
    assert (report.status, Event.objects.filter(type="report", op="ready").count()) == (ReportStatus.READY, 1)


@pytest.mark.django_db
def test_a_failed_generation_is_recorded(world, joint, filed, monkeypatch):
    def broken(data):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(services, "debrief_pdf", broken)

    with pytest.raises(RuntimeError):
        services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")

    assert not Report.objects.exists()  # the request's transaction rolled back: nothing half-made remains


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_ng", "observer_ng"])
def test_officers_and_observers_download_but_do_not_generate(world, joint, filed, who):
    with pytest.raises(PermissionDenied):
        services.report_request(user=getattr(world, who), operation=joint, kind="preliminary", language="en")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "interim"}, "kind"), ({"language": "de"}, "language"), ({"baseline": "self"}, "baseline")],
)
def test_bad_requests_name_the_field(world, joint, change, field):
    values = {"kind": "preliminary", "language": "en", "baseline": None, **change}
    if values["baseline"] == "self":
        values["baseline"] = joint

    with pytest.raises(ValidationError) as error:
        services.report_request(user=world.coordinator, operation=joint, **values)

    assert list(error.value.message_dict) == [field]


@pytest.mark.django_db
def test_editions_are_kept_per_audience(world, joint, filed):
    coordination = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")
    participants = services.report_request(user=world.analyst_ng, operation=joint, kind="preliminary", language="en")

    assert (coordination.version, participants.version) == (1, 1)
    assert selectors.report_get(user=world.analyst_ng, report_id=participants.pk) == participants
    with pytest.raises(Http404):
        selectors.report_get(user=world.analyst_ng, report_id=coordination.pk)
    with pytest.raises(Http404):
        selectors.report_get(user=world.officer_fr, report_id=participants.pk)
    assert list(selectors.reports_visible(user=world.secretariat)) == [coordination]


@pytest.mark.django_db
def test_every_downloaded_pdf_page_names_its_reader_and_the_download_is_logged(world, joint, filed):
    report = services.report_request(user=world.coordinator, operation=joint, kind="preliminary", language="en")

    content, content_type, name = services.report_download(user=world.coordinator, report=report, fmt="pdf")

    assert content_type == "application/pdf"
    assert name.endswith(".pdf")
    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) > 1
    reader = world.coordinator.get_full_name() or world.coordinator.username
    for page in pages:
        assert f"Downloaded by {reader}" in " ".join(page.extract_text().split())
    log = AccessLog.objects.get(user=world.coordinator, object_type="report")
    assert (log.action, log.object_id) == ("download", str(report.pk))
