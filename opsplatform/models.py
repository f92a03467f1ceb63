"""API plumbing that every app's creating endpoints share; no domain rules live here."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an ``Idempotency-Key``, replayed to retries of it.

    The unique (user, key) pair makes concurrent duplicates collide in the database, not in Python.
    The answer may name people (a filing's parties), so records live only ``IDEMPOTENCY_RETENTION_HOURS``
    and go when a retention run erases what they describe (``opsplatform.api.idempotency``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    endpoint = models.CharField(_("endpoint"), max_length=255)
    request_digest = models.CharField(_("request digest"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The answer as first given, keys in order: PostgreSQL's jsonb reorders keys, and a replay must be the same bytes.
    response_text = models.TextField(_("response text"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencyrecord_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
