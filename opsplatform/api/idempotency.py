"""``Idempotency-Key`` for creating endpoints: a retried POST gets the first answer and creates nothing.

Same key and same request: the stored response is replayed (``Idempotent-Replayed: true``).
Same key, different request: 422. Same key while the first request is still running: 409,
however long it runs (its transaction holds the record's row lock). Server errors, conflicts and
throttling are not stored, so the client may retry them; an attempt abandoned by a crashed process is
taken over after ``IDEMPOTENCY_IN_FLIGHT_SECONDS``. The replay is the first answer's very bytes: its
keys are kept in order, which PostgreSQL's jsonb does not. The stored answer commits with the
writes it describes, so a crash never leaves writes without an answer to replay.

A stored answer may carry personal data (a filing's parties), so it is kept only as long as a client
could still retry: ``idempotency_records_purge`` removes records older than ``IDEMPOTENCY_RETENTION_HOURS``
(hourly from Celery beat), and ``idempotency_records_forget`` those of objects whose personal data a
retention run erases.
"""

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import IdempotencyRecord

if TYPE_CHECKING:
    from accounts.models import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, dict):
        return {str(key): _fingerprint(item) for key, item in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_fingerprint(item) for item in value]
    return value


def request_digest(request: Request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "data": _fingerprint(data)}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _in_flight() -> Response:
    body = {"detail": _("A request with this Idempotency-Key is still being processed. Retry shortly.")}
    return Response(body, status=status.HTTP_409_CONFLICT, headers={"Retry-After": "1"})


def _claim(request: Request, key: str, digest: str) -> tuple[IdempotencyRecord | None, Response | None]:
    """Insert the record for this key, or explain why this request must not run."""
    user = cast("User", request.user)
    stale_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, endpoint=request.path[:255], request_digest=digest
            )
        return record, None
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is None:  # removed by a failed first attempt in between: this one may run
        return _claim(request, key, digest)
    if existing.request_digest != digest:
        body = {"detail": _("This Idempotency-Key was already used with a different request.")}
        return None, Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if existing.completed_at is None:
        if existing.created_at < stale_before:
            taken = _take_over(existing, stale_before)
            if taken is not None:
                return taken, None
        return None, _in_flight()
    answer: Any = json.loads(existing.response_text) if existing.response_text else existing.response_body
    replay = Response(answer, status=existing.response_status)
    replay["Idempotent-Replayed"] = "true"
    return None, replay


def _take_over(record: IdempotencyRecord, stale_before: datetime) -> IdempotencyRecord | None:
    """Take over an attempt abandoned by a crashed process.

    A running attempt holds its record's row lock for its whole transaction (``_hold``), so an attempt that
    is merely slow is skipped here however long it runs: only a process that died released the lock.
    Renewing ``created_at`` also tells an attempt that had not yet locked its row that it lost the key."""
    with transaction.atomic():
        abandoned = (
            IdempotencyRecord.objects.select_for_update(skip_locked=True)
            .filter(pk=record.pk, completed_at__isnull=True, created_at__lt=stale_before)
            .first()
        )
        if abandoned is None:
            return None
        abandoned.created_at = timezone.now()
        abandoned.save(update_fields=["created_at"])
    return abandoned


def _hold(record: IdempotencyRecord) -> bool:
    """Lock this attempt's record until its transaction ends; False if another request took the key over."""
    held = IdempotencyRecord.objects.select_for_update().filter(
        pk=record.pk, created_at=record.created_at, completed_at__isnull=True
    )
    return bool(list(held.values_list("pk", flat=True)))


def _release(record: IdempotencyRecord) -> None:
    """Give the key back for a retry, unless another request took it over meanwhile."""
    IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at, completed_at__isnull=True).delete()


def _kept(response: Response) -> bool:
    """Server errors, conflicts and throttling say "retry": they are not the answer to replay."""
    return response.status_code < 500 and response.status_code not in (409, 429)


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view's ``create`` (or any POST handler) to honour ``Idempotency-Key``.

    A view may define ``idempotent_replay(request, body) -> body`` to account for, or withhold, what a
    replayed answer shows again (the seizure API logs the parties it shows, as on any other read)."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            body = {"detail": _("Idempotency-Key must be 1 to 255 characters.")}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        record, refusal = _claim(request, key, request_digest(request))
        if refusal is not None:
            replayed = getattr(self, "idempotent_replay", None)
            if replayed is not None and refusal.get("Idempotent-Replayed") == "true":
                refusal.data = replayed(request, refusal.data)
            return refusal
        assert record is not None
        try:
            # The answer is recorded in the transaction that wrote: a process killed in between leaves
            # neither, so the retry that takes the key over later writes once, not twice.
            with transaction.atomic():
                if not _hold(record):
                    return _in_flight()
                response = view_method(self, request, *args, **kwargs)
                if _kept(response):
                    _complete(record, response)
        except Exception as error:
            try:
                response = self.handle_exception(error)
            except Exception:
                _release(record)
                raise
            if _kept(response):
                with transaction.atomic():
                    if _hold(record):
                        _complete(record, response)
        if not _kept(response):
            _release(record)
        return response

    return wrapper


def _complete(record: IdempotencyRecord, response: Response) -> None:
    record.response_status = response.status_code
    record.response_body = response.data
    record.response_text = json.dumps(response.data, cls=DjangoJSONEncoder)
    record.completed_at = timezone.now()
    record.save(update_fields=["response_status", "response_body", "response_text", "completed_at"])


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than ``IDEMPOTENCY_RETENTION_HOURS``: a retry after that is a new request."""
    before = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted


def idempotency_records_forget(*, endpoint: str, object_ids: Iterable[int]) -> int:
    """Delete the stored answers of ``endpoint`` (a creating route's path) that describe one of these objects
    (the answer's ``id``), so that a replay cannot show again what was erased since."""
    ids = list(object_ids)
    if not ids:
        return 0
    deleted, _by_model = IdempotencyRecord.objects.filter(endpoint=endpoint[:255], response_body__id__in=ids).delete()
    return deleted
