"""Seizure messages: one seizure, its commodity lines, its route chain, and the parties kept apart."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Administration
from accounts.models import Unit as AccountsUnit
from messaging.models import StoredFile
from operations.models import Operation
from reference.choices import CitesAppendix, TransportMode
from reference.models import CitesTerm, Country, HsCode, Mea, OdsSubstance, Port, Unit, WasteCode

from .choices import (
    HANDLING_CODE_HELP,
    Direction,
    Disposal,
    HandlingCode,
    PartyKind,
    PartyRole,
    PlaceFunction,
    RouteRole,
    SeizureStatus,
    ShipmentKeyKind,
)


class Case(models.Model):
    """Seizures of one shipment reported by several administrations: counted once in the totals."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="cases")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.operation_id}/case {self.pk}"


class Seizure(models.Model):
    """A formatted seizure message filed by a participating administration in an operation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="seizures")
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="seizures", verbose_name=_("reporting administration")
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("reporting country")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    reference = models.CharField(_("reference number"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=SeizureStatus.choices, default=SeizureStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    occurred_at = models.DateTimeField(_("date and time of seizure"))
    place_port = models.ForeignKey(
        Port, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("port or airport")
    )
    place_locode = models.CharField(_("UN/LOCODE"), max_length=5, blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    place_function = models.CharField(_("kind of place"), max_length=16, choices=PlaceFunction.choices, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, blank=True)
    transport_mode = models.CharField(_("transport mode"), max_length=1, choices=TransportMode.choices, blank=True)
    vessel_name = models.CharField(_("vessel name"), max_length=128, blank=True)
    vessel_imo = models.CharField(_("vessel IMO number"), max_length=7, blank=True)
    flight = models.CharField(_("flight"), max_length=16, blank=True)
    vehicle_registration = models.CharField(_("vehicle registration"), max_length=32, blank=True)
    containers = models.JSONField(_("container numbers"), default=list, blank=True)
    transport_document = models.CharField(_("bill of lading or air waybill"), max_length=64, blank=True)
    detection_methods = models.JSONField(_("detection methods"), default=list, blank=True)
    concealment_methods = models.JSONField(_("concealment methods"), default=list, blank=True)
    reasons = models.JSONField(_("reasons (Basel Article 9)"), default=list, blank=True)
    actions_taken = models.JSONField(_("action taken"), default=list, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    handling_code = models.CharField(
        _("handling code (TLP)"),
        max_length=16,
        choices=HandlingCode.choices,
        default=HandlingCode.AMBER,
        help_text=HANDLING_CODE_HELP,
    )
    unit = models.ForeignKey(
        AccountsUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seizures",
        verbose_name=_("unit"),
        help_text=_("A draft of a unit can be continued by any of its members."),
    )
    attachments = models.ManyToManyField(
        StoredFile, blank=True, related_name="+", verbose_name=_("photos and documents")
    )
    findings = models.JSONField(_("flags for the V-OCU"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False, db_index=True)
    #: Submitted, and its post to the operation's channel not yet made (a worker makes it just after the commit).
    announcement_due = models.BooleanField(default=False, db_default=False, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="seizures", verbose_name=_("case")
    )
    review_comment = models.TextField(_("coordinator's comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("seizure")
        verbose_name_plural = _("seizures")
        constraints = [
            models.UniqueConstraint(fields=["operation", "reference"], name="seizure_reference_per_operation"),
        ]
        indexes = [
            models.Index(fields=["operation", "status"], name="seizure_operation_status"),
            models.Index(fields=["id"], condition=models.Q(announcement_due=True), name="seizure_announcement_due"),
            models.Index(fields=["operation", "occurred_at"], name="seizure_operation_date"),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(models.Model):
    """The last number given to a country's seizures in an operation (``DEMETER-2026/FR/0007``)."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation", "country"], name="referencecounter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}/{self.country_id}: {self.last}"


class RouteLeg(models.Model):
    """One step of the route chain, in order from origin to discovery."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="route")
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=16, choices=RouteRole.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    place_port = models.ForeignKey(
        Port, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("port or airport")
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)

    class Meta:
        ordering = ["seizure", "position"]
        verbose_name = _("route leg")
        verbose_name_plural = _("route legs")
        constraints = [models.UniqueConstraint(fields=["seizure", "position"], name="routeleg_position")]
        indexes = [models.Index(fields=["country", "role"], name="routeleg_country_role")]

    def __str__(self) -> str:
        return f"{self.position}. {self.role} {self.country_id}"


class CommodityLine(models.Model):
    """One commodity in a seizure, with its quantity as reported and normalised for the totals."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    mea = models.ForeignKey(Mea, on_delete=models.PROTECT, related_name="+", verbose_name=_("MEA"))
    hs_code = models.ForeignKey(HsCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS code"))
    hs_national = models.CharField(_("national tariff code"), max_length=10, blank=True)
    hs_edition = models.CharField(_("HS edition"), max_length=8, default="HS2022")
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"),
        help_text=_("Blank means number of specimens."),
    )  # fmt: skip
    kg = models.DecimalField(_("kilograms"), max_digits=24, decimal_places=6, null=True, blank=True)
    m3 = models.DecimalField(_("cubic metres"), max_digits=24, decimal_places=6, null=True, blank=True)
    pieces = models.DecimalField(_("pieces"), max_digits=24, decimal_places=6, null=True, blank=True)
    waste_code = models.ForeignKey(
        WasteCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("Basel code")
    )
    ods_substance = models.ForeignKey(
        OdsSubstance, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ODS substance"),
    )  # fmt: skip
    odp_tonnes = models.DecimalField(_("ODP tonnes"), max_digits=24, decimal_places=6, null=True, blank=True)
    co2e_tonnes = models.DecimalField(
        _("CO2-equivalent tonnes"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    equipment_pieces = models.PositiveIntegerField(_("pieces of pre-charged equipment"), null=True, blank=True)
    species = models.CharField(_("species (scientific name)"), max_length=200, blank=True)
    cites_appendix = models.CharField(_("CITES appendix"), max_length=3, choices=CitesAppendix.choices, blank=True)
    cites_term = models.ForeignKey(
        CitesTerm, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("CITES term")
    )
    live_count = models.PositiveIntegerField(_("live at seizure"), null=True, blank=True)
    surviving_count = models.PositiveIntegerField(_("surviving"), null=True, blank=True)
    disposal = models.CharField(_("disposal"), max_length=16, choices=Disposal.choices, blank=True)

    class Meta:
        ordering = ["seizure", "position"]
        verbose_name = _("commodity line")
        verbose_name_plural = _("commodity lines")
        constraints = [
            models.UniqueConstraint(fields=["seizure", "position"], name="commodityline_position"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="commodityline_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(surviving_count__isnull=True)
                | models.Q(live_count__isnull=True)
                | models.Q(surviving_count__lte=models.F("live_count")),
                name="commodityline_survivors_le_live",
            ),
        ]
        indexes = [models.Index(fields=["hs_code"], name="commodityline_hs")]

    def __str__(self) -> str:
        return f"{self.position}. {self.hs_code_id} {self.description[:40]}"


class ShipmentKey(models.Model):
    """A container number or transport document, normalised, by which one shipment is recognised."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="shipment_keys")
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=ShipmentKeyKind.choices)
    value = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seizure", "kind", "value"], name="shipmentkey_once_per_seizure")
        ]
        indexes = [models.Index(fields=["operation", "kind", "value"], name="shipmentkey_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class Party(models.Model):
    """Nominal data: a person or a company involved. Shown only to the reporter and the V-OCU, and logged."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind"), max_length=8, choices=PartyKind.choices)
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("nationality")
    )
    document_number = models.CharField(_("identity document"), max_length=64, blank=True)
    registration_number = models.CharField(_("company registration"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        help_text=_("Set when the retention period ended and the personal fields were erased."),
    )

    class Meta:
        ordering = ["seizure", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class SeizureVersion(models.Model):
    """A seizure as it stood after each change from its submission on: who, when, and what changed."""

    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=SeizureStatus.choices)
    action = models.CharField(_("action"), max_length=16)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    snapshot = models.JSONField()
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["seizure", "number"]
        verbose_name = _("seizure version")
        verbose_name_plural = _("seizure versions")
        constraints = [models.UniqueConstraint(fields=["seizure", "number"], name="seizureversion_number")]

    def __str__(self) -> str:
        return f"{self.seizure_id} v{self.number}"
