"""Who may use the platform: administrations, their people, and the tokens their programs use."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.models import Country, Rilo, localised

from .choices import AccessRequestStatus, AdministrationKind, DeactivationReason, Language, Role


class Administration(models.Model):
    """A customs administration, agency, RILO, international organisation or the secretariat."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_fr = models.CharField(_("name (French)"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AdministrationKind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
        verbose_name=_("country"),
    )
    rilo = models.ForeignKey(
        Rilo,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("RILO"),
        help_text=_("For a RILO: the office this administration runs."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    retention_years = models.PositiveSmallIntegerField(
        _("retention of personal data (years)"),
        null=True,
        blank=True,
        help_text=_("Years after an operation closes before its personal data is erased; empty for the default."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=AdministrationKind.national()) | models.Q(country__isnull=False),
                name="administration_national_has_country",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=AdministrationKind.RILO) | models.Q(rilo__isnull=False),
                name="administration_rilo_has_office",
            ),
        ]

    def __str__(self) -> str:
        return localised(self.name, self.name_fr)


class User(AbstractUser):
    """A person with an individual login; never shared, even across shifts."""

    email = models.EmailField(_("e-mail address"), unique=True)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("administration"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    position = models.CharField(_("position"), max_length=128, blank=True)
    reactivated_at = models.DateTimeField(
        _("reactivated at"),
        null=True,
        blank=True,
        help_text=_("Restarts the inactivity clock, so a reactivated account is not blocked again at once."),
    )
    inactivity_reminder_sent_at = models.DateTimeField(_("inactivity reminder sent at"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.CharField(
        _("reason for deactivation"), max_length=16, choices=DeactivationReason.choices, blank=True
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(administration__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_administration",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def country_code(self) -> str | None:
        return self.administration.country_id if self.administration else None


class ApiToken(models.Model):
    """A bearer token for programs. Only its SHA-256 digest is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="apitoken_expires_after_creation"
            ),
        ]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AppendOnlyError(Exception):
    """An audit or access-log row was to be changed or removed: those records are append-only."""


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added, never changed or removed in bulk; the database refuses it as well (``append_only``)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(_("%(model)s rows cannot be changed.") % {"model": self.model._meta.verbose_name})

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_("%(model)s rows cannot be removed.") % {"model": self.model._meta.verbose_name})

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError(_("%(model)s rows cannot be changed.") % {"model": self.model._meta.verbose_name})

    def _raw_delete(self, using: Any) -> int:
        raise AppendOnlyError(_("%(model)s rows cannot be removed.") % {"model": self.model._meta.verbose_name})


class AppendOnlyModel(models.Model):
    """A row is saved once and then neither saved again nor deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(_("%(model)s rows cannot be changed.") % {"model": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_("%(model)s rows cannot be removed.") % {"model": self._meta.verbose_name})


class AccessLog(AppendOnlyModel):
    """One row for every read of personal data and every export or download that contains it.

    Written by the layer that shows the data, never updated or deleted: the model and the database refuse it.
    """

    class Action(models.TextChoices):
        READ = "read", _("Read")
        EXPORT = "export", _("Export")
        DOWNLOAD = "download", _("Download")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_log", verbose_name=_("user"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, default=Action.READ)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.CharField(_("object id"), max_length=64)
    reference = models.CharField(_("reference"), max_length=128, blank=True)
    channel = models.CharField(_("channel"), max_length=8, blank=True, help_text=_("page, api or export"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="accesslog_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type}:{self.object_id}"


class Unit(models.Model):
    """A team of one administration working in shifts: a shared inbox and shared drafts, individual logins."""

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="units", verbose_name=_("administration")
    )
    name = models.CharField(_("name"), max_length=128)
    members = models.ManyToManyField(User, blank=True, related_name="units", verbose_name=_("members"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["administration__name", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [models.UniqueConstraint(fields=["administration", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuditEvent(AppendOnlyModel):
    """Who created or changed what, with the state before and after; append-only and hash-chained.

    Each row's ``digest`` covers its own content and the previous row's digest, so changing or removing
    any row breaks the chain from there on (``manage.py verify_audit``). ``AuditHead`` names the newest
    row, so removing the newest rows is seen too.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administration"),
        help_text=_("The administration the object belongs to, for its contact point's audit view."),
    )
    action = models.CharField(_("action"), max_length=32)
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.CharField(_("object id"), max_length=64)
    reference = models.CharField(_("reference"), max_length=128, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    previous_digest = models.CharField(_("previous digest"), max_length=64, editable=False)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["administration", "at"], name="audit_administration"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The newest audit event and its digest, moved forward in the transaction that appends it.

    The database lets it only move forward, to the newest event: removing the last events of the
    trail leaves the head pointing past the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    last_event_id = models.BigIntegerField(_("last event"))
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audithead_single_row")]

    def __str__(self) -> str:
        return f"#{self.last_event_id} {self.digest[:12]}"


class AccessRequest(models.Model):
    """A person asking to join: their national contact point endorses, then the secretariat approves.

    Filled in by someone without an account, so nothing here is trusted until both have decided.
    """

    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="access_requests", verbose_name=_("administration")
    )
    position = models.CharField(_("position"), max_length=128)
    justification = models.TextField(_("justification"), max_length=2000)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(
        _("status"), max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    endorsed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("endorsed by")
    )
    endorsed_at = models.DateTimeField(_("endorsed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_request",
        verbose_name=_("account"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(status__in=["pending", "endorsed"]),
                name="accessrequest_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(user__isnull=False),
                name="accessrequest_approved_has_account",
            ),
        ]
        indexes = [models.Index(fields=["administration", "status"], name="accessrequest_admin_status")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


class ActivationToken(models.Model):
    """A single-use link to set a first password and a second factor. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_tokens", verbose_name=_("user"))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("activation link")
        verbose_name_plural = _("activation links")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="activationtoken_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
