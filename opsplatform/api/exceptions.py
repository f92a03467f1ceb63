"""Maps domain errors raised by services to API responses.

Services raise Django's ``ValidationError`` (with a ``code``); the API answers 400 with the same
field-level messages a form would show, in the user's language. A unique constraint that a concurrent
request won answers 409 rather than 500.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``lines.1.hs_code`` becomes ``{"lines": {"1": {"hs_code": [...]}}}``, the shape DRF gives nested input.

    An error about a whole list whose items also have errors moves to ``non_field_errors``.
    """
    nested: dict[str, Any] = {}
    for name, messages in flat.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[1].isdigit():
            items = nested.setdefault(parts[0], {})
            items.setdefault(str(int(parts[1])), {}).setdefault(parts[2], []).extend(messages)
    for name, messages in flat.items():
        if len(name.split(".")) == 3:
            continue
        if name in nested:
            nested.setdefault("non_field_errors", []).extend(messages)
        else:
            nested[name] = messages
    return nested


def _django_error_detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return _nest(
            {
                ("non_field_errors" if field == "__all__" else field): [
                    exceptions.ErrorDetail(str(message), code=item.code or "invalid")
                    for item in errors
                    for message in item.messages
                ]
                for field, errors in error.error_dict.items()
            }
        )
    return {
        "non_field_errors": [
            exceptions.ErrorDetail(str(message), code=item.code or "invalid")
            for item in error.error_list
            for message in item.messages
        ]
    }


#: Seconds a client is asked to wait when the database is out of reach (a restart, a failover).
DATABASE_RETRY_AFTER = 2

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(_django_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.warning("unique constraint lost to a concurrent request: %s", exc)
        # Two requests wrote the same unique thing at once; the loser's transaction rolled back, so a retry is safe.
        body = {"detail": _("This request collided with a simultaneous change. Retry it.")}
        return Response(body, status=status.HTTP_409_CONFLICT, headers={"Retry-After": "1"})
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is restarting or failing over: a 503 tells the client to retry (a filing with the same
        # Idempotency-Key, which writes it once), where a 500 would say the request itself is at fault.
        logger.warning("database unavailable: %s", exc)
        body = {"detail": _("The service is briefly unavailable. Retry shortly.")}
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    return drf_exception_handler(exc, context)
