from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models import StoredFile
from operations.models import Operation

from .choices import ReportAudience, ReportKind, ReportStatus


class Report(models.Model):
    """One generated edition of an operation's report, kept so that it can be downloaded again.

    ``data`` holds every figure and table; the PDF and XLSX files are rendered from it, so all
    formats of one edition agree. The PDF is stored without a watermark: each download is stamped
    with the downloading user and time.
    """

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    version = models.PositiveIntegerField(_("version"))
    audience = models.CharField(_("audience"), max_length=16, choices=ReportAudience.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    data = models.JSONField(_("figures and tables"), null=True, blank=True)
    pdf = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    xlsx = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    #: Last sign of life of the generation under way: claimed, then each step of progress.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["operation", "kind", "audience", "version"], name="report_version_unique"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.operation.code} {self.kind} v{self.version} ({self.language})"
