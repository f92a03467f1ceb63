"""Who may use the platform: administrations, their people, and the tokens their programs use."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.models import Country, Rilo, localised

from .choices import AdministrationKind, Language, Role


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


class AccessLog(models.Model):
    """One row for every read of personal data and every export or download that contains it.

    Written by the layer that shows the data, never updated or deleted by the application.
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
