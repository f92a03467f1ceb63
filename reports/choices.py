"""Code lists of reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    """A preliminary report counts submitted and validated seizures; a final one validated seizures only."""

    PRELIMINARY = "preliminary", _("Preliminary")
    FINAL = "final", _("Final")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being generated")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportAudience(models.TextChoices):
    """Whose scope a stored report was generated for; a reader downloads only reports of their own scope.

    Totals are the same for both; the annex and the raw lines list only what the audience may see.
    """

    COORDINATION = "coordination", _("Coordinators and secretariat")
    PARTICIPANTS = "participants", _("Participants")


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF debrief")
    XLSX = "xlsx", _("XLSX workbook")
    JSON = "json", _("JSON")
