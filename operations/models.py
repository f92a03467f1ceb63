"""Time-boxed joint operations and the administrations taking part in them."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration
from reference.models import Country, HsCode, Mea, Rilo, localised

from .choices import FormVariant, OperationStatus, ParticipationRole, ParticipationStatus

operation_code = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{2,31}$", _("Use 3 to 32 capital letters, digits and hyphens, such as DEMETER-2026.")
)


class Operation(models.Model):
    """A closed group of administrations working on one enforcement focus for a fixed window."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[operation_code])
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    coordinating_administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="coordinated_operations",
        verbose_name=_("coordinating administration (V-OCU)"),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="coordinated_operations", verbose_name=_("coordinators")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    grace_days = models.PositiveSmallIntegerField(_("reporting grace period (days)"), default=14)
    status = models.CharField(
        _("status"), max_length=16, choices=OperationStatus.choices, default=OperationStatus.DRAFT, db_index=True
    )
    scope_meas = models.ManyToManyField(Mea, blank=True, related_name="+", verbose_name=_("MEAs in scope"))
    scope_hs_codes = models.ManyToManyField(
        HsCode, blank=True, related_name="+", verbose_name=_("commodity focus (HS codes)")
    )
    scope_countries = models.ManyToManyField(
        Country, blank=True, related_name="+", verbose_name=_("countries of interest")
    )
    scope_rilos = models.ManyToManyField(Rilo, blank=True, related_name="+", verbose_name=_("regions of interest"))
    default_form = models.CharField(
        _("default form"), max_length=16, choices=FormVariant.choices, default=FormVariant.SIMPLIFIED
    )
    field_rules = models.JSONField(_("seizure template"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_at", "code"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="operation_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_fr)

    @property
    def description(self) -> str:
        return localised(self.description_en, self.description_fr)

    @property
    def reporting_closes_at(self) -> datetime:
        return self.ends_at + timedelta(days=self.grace_days)

    @property
    def accepts_reports(self) -> bool:
        """Active, or closed but still within its grace period."""
        if self.status == OperationStatus.ACTIVE:
            return True
        return self.status == OperationStatus.CLOSED and timezone.now() <= self.reporting_closes_at

    @property
    def context(self) -> str:
        """How the channel refers to this operation, without knowing what an operation is."""
        return f"operation:{self.pk}"


class Participation(models.Model):
    """An administration's part in an operation, answered by its national contact point."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="participations")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(
        _("role"), max_length=16, choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ParticipationStatus.choices, default=ParticipationStatus.INVITED
    )
    national_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("national contact point"),
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["operation", "administration__name"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["operation", "administration"], name="participation_once_per_operation")
        ]

    def __str__(self) -> str:
        return f"{self.operation} · {self.administration}"


class ReportedScope(models.Model):
    """What has been reported in an operation, recorded by the layer that files reports.

    Operations cannot look at seizures (they sit above it), so the window and the scope are
    guarded against what this table says was filed.
    """

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="reported_scope")
    occurred_at = models.DateTimeField()
    mea = models.ForeignKey(Mea, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    hs_code = models.ForeignKey(HsCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reference = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("reported scope")
        verbose_name_plural = _("reported scope")
        indexes = [models.Index(fields=["operation", "occurred_at"], name="reportedscope_window")]

    def __str__(self) -> str:
        return f"{self.operation_id} {self.reference}"
