"""Generating, storing and handing out operation reports."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import services as accounts
from accounts.models import AccessLog, User
from messaging import services as messaging
from messaging.choices import NotificationKind
from operations.models import Operation
from opsplatform.broker import broker_schedule
from opsplatform.errors import field_error
from reference.choices import Topic

from . import selectors
from .choices import ReportKind, ReportStatus
from .datasets import operation_dataset
from .exports import workbook_xlsx
from .models import Report
from .pdf import debrief_pdf, watermark_pdf

logger = logging.getLogger(__name__)

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@transaction.atomic
def report_request(
    *, user: User, operation: Operation, kind: str, language: str, baseline: Operation | None = None
) -> Report:
    """Ask for a new edition of an operation's report: rendered at once when small, by a worker otherwise."""
    if not selectors.may_request(user=user, operation=operation):
        raise PermissionDenied(_("Your role does not generate reports; download the editions already made."))
    if kind not in ReportKind.values:
        raise field_error("kind", _("Choose a preliminary or a final report."), "invalid_choice")
    if language not in dict(settings.LANGUAGES):
        raise field_error("language", _("Choose English or French."), "invalid_choice")
    if baseline is not None:
        if baseline.pk == operation.pk:
            raise field_error("baseline", _("Compare with another operation, not with itself."), "same_operation")
        if not selectors.report_operations(user=user).filter(pk=baseline.pk).exists():
            raise field_error("baseline", _("No operation you may see has this id."), "not_found")
    operation = Operation.objects.select_for_update().get(pk=operation.pk)  # one version number at a time
    audience = selectors.report_audience(user=user, operation=operation)
    latest = Report.objects.filter(operation=operation, kind=kind, audience=audience).aggregate(v=Max("version"))
    report = Report.objects.create(
        operation=operation,
        kind=kind,
        audience=audience,
        version=(latest["v"] or 0) + 1,
        language=language,
        parameters={"baseline": baseline.code if baseline else None, "baseline_id": baseline.pk if baseline else None},
        requested_by=user,
    )
    if selectors.renders_at_once(operation=operation):
        return report_generate(report_id=report.pk, notify=False)
    transaction.on_commit(lambda: _schedule(report.pk))
    return report


def _schedule(report_id: int) -> None:
    from .tasks import generate_report

    broker_schedule(generate_report, args=[report_id])  # if not, the periodic sweep generates it


def report_generate(*, report_id: int, notify: bool = True) -> Report:
    """Compute and render one edition. Idempotent: a ready report is left as it is, so a retried or
    duplicated task does the work once; a run cut off half-way is simply done again."""
    claimed = _report_claim(report_id)
    report = Report.objects.select_related("operation", "requested_by").get(pk=report_id)
    if not claimed:
        return report
    logger.info("report %s generating", report_id)
    baseline_id = (report.parameters or {}).get("baseline_id")
    baseline = Operation.objects.filter(pk=baseline_id).first() if baseline_id else None

    def progress(percent: int) -> None:
        Report.objects.filter(pk=report_id).update(progress=min(percent, 99), claimed_at=timezone.now())

    try:
        data = operation_dataset(
            operation=report.operation,
            kind=report.kind,
            audience=report.audience,
            language=report.language,
            baseline=baseline,
            progress=progress,
        )
        data["version"] = report.version
        data["report_id"] = report.pk
        pdf = debrief_pdf(data)
        progress(95)
        xlsx = workbook_xlsx(data)
    except Exception as error:
        logger.exception("report %s failed", report_id)
        Report.objects.filter(pk=report_id).update(status=ReportStatus.FAILED, error=str(error)[:1000])
        raise
    name = f"{report.operation.code}-{report.kind}-v{report.version}-{report.language}"
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("operation", "requested_by").get(pk=report_id)
        if report.status == ReportStatus.READY:
            return report
        owner = report.requested_by
        report.pdf = messaging.stored_file_write(owner=owner, name=f"{name}.pdf", content=pdf, content_type=PDF)
        report.xlsx = messaging.stored_file_write(owner=owner, name=f"{name}.xlsx", content=xlsx, content_type=XLSX)
        report.data = data
        report.status = ReportStatus.READY
        report.progress = 100
        report.generated_at = timezone.now()
        report.save(update_fields=["pdf", "xlsx", "data", "status", "progress", "generated_at"])
        if notify:
            _announce(report)
    return report


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.REPORT_STALE_SECONDS)


def _report_claim(report_id: int) -> bool:
    """Take an edition for generation: one waiting, failed, or whose generator shows no sign of life.

    Staleness is measured from the generator's last progress, not from the request: an edition that
    waited in the queue longer than ``REPORT_STALE_SECONDS`` and is now being generated is not taken
    over by a redelivered task or the sweep, so it is generated once.
    """
    now = timezone.now()
    return bool(
        Report.objects.filter(
            Q(status__in=[ReportStatus.PENDING, ReportStatus.FAILED])
            | Q(status=ReportStatus.RUNNING, claimed_at__lt=now - _stale_after()),
            pk=report_id,
        ).update(status=ReportStatus.RUNNING, progress=0, error="", claimed_at=now)
    )


def _announce(report: Report) -> None:
    """The person who asked learns that the report is ready: live in the page, and by e-mail."""
    path = reverse("report-detail", args=[report.pk])
    payload = {
        "id": report.pk,
        "operation": report.operation_id,
        "operation_code": report.operation.code,
        "kind": report.kind,
        "version": report.version,
        "url": path,
    }
    messaging.event_emit(type="report", op="ready", payload=payload, recipients=[report.requested_by_id])
    messaging.notify(
        kind=NotificationKind.REPORT,
        topic=Topic.GENERAL,
        context=report.operation.context,
        user_ids=[report.requested_by_id],
        template="reports/email/ready",
        template_context={
            "operation": report.operation.code,
            "kind": report.kind,
            "version": report.version,
            "path": path,
        },
        key=f"report-ready:{report.pk}",
    )


def reports_generate_pending() -> int:
    """The sweep: editions whose task was lost (broker down, worker killed) are generated now."""
    stale = timezone.now() - _stale_after()
    waiting = Report.objects.filter(
        Q(status=ReportStatus.PENDING, created_at__lt=timezone.now() - timedelta(seconds=30))
        | Q(status=ReportStatus.RUNNING, claimed_at__lt=stale)
    ).values_list("pk", flat=True)
    done = 0
    for report_id in list(waiting[:20]):
        report_generate(report_id=report_id)
        done += 1
    return done


def report_download(*, user: User, report: Report, fmt: str) -> tuple[bytes, str, str]:
    """The bytes of one format of a stored edition, as (content, content type, file name). Logged.

    The PDF is stamped on every page with who downloaded it and when.
    """
    if report.status != ReportStatus.READY:
        raise field_error("status", _("This report is not ready yet."), "not_ready")
    name = f"{report.operation.code}-{report.kind}-v{report.version}-{report.language}"
    if fmt == "pdf":
        assert report.pdf is not None
        with report.pdf.file.open("rb") as stored:
            content = watermark_pdf(stored.read(), download_stamp(user, report.language))
        answer = (content, PDF, f"{name}.pdf")
    elif fmt == "xlsx":
        assert report.xlsx is not None
        with report.xlsx.file.open("rb") as stored:
            answer = (stored.read(), XLSX, f"{name}.xlsx")
    else:
        raise field_error("format", _("Choose PDF or XLSX."), "invalid_choice")
    record_download(user=user, report=report, what=fmt)
    return answer


def record_download(
    *,
    user: User,
    report: Report | None = None,
    what: str,
    operation: Operation | None = None,
    action: str = AccessLog.Action.DOWNLOAD,
    channel: str = "page",
) -> None:
    operation = operation or (report.operation if report else None)
    assert operation is not None
    label = f"{operation.code} {report.kind} v{report.version} {what}" if report else f"{operation.code} {what}"
    accounts.access_log_record(
        user=user,
        object_type="report",
        objects=[(str(report.pk if report else operation.pk), label)],
        action=action,
        channel=channel,
    )


def download_stamp(user: User, language: str) -> str:
    """The watermark: who downloaded, for which administration, when (UTC)."""
    with translation.override(language):
        return _("Downloaded by %(user)s (%(administration)s) on %(when)s UTC — do not forward") % {
            "user": user.get_full_name() or user.username,
            "administration": user.administration or "-",
            "when": timezone.now().strftime("%Y-%m-%d %H:%M"),
        }
