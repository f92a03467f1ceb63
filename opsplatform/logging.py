"""Structured logs: one JSON object per line (``LOG_FORMAT=json``), and a request id on every record.

Each HTTP request gets an id: a sane incoming ``X-Request-ID`` (nginx sets one) or a fresh one. It is
returned in the ``X-Request-ID`` response header and kept in a context variable, so every record logged
while the request runs carries it, whichever logger wrote it, and the request's own line (method, path,
status, duration) can be matched with the access log of the proxy in front.
"""

import json
import logging
import logging.config
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the settings import this module: it stays free of Django imports at run time
    from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
#: Ids we accept from the client or the proxy: short and free of anything a log reader could trip on.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")

#: Where the middleware leaves the id on the request, for code that sees the request but not the context.
REQUEST_ID_META = "opsplatform.request_id"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
request_logger = logging.getLogger("opsplatform.request")

#: Attributes every LogRecord has; anything else on a record was passed as ``extra`` and is logged too.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
#: Extras that are objects rather than facts (Django's ``django.request`` passes the request itself).
_SKIPPED_EXTRAS = {"request", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request id on each record (``-`` outside a request), for both formats.

    Django logs 4xx and 5xx answers after the middleware has returned, with the request attached:
    the id is found on that request then.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            attached = getattr(getattr(record, "request", None), "META", None) or {}
            record.request_id = request_id_var.get() or attached.get(REQUEST_ID_META) or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in _SKIPPED_EXTRAS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: everything to stderr, as plain text or JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "opsplatform.logging.RequestIdFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "opsplatform.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
    }


def configure(config: dict[str, Any]) -> None:
    """``LOGGING_CONFIG``: Django's dictConfig, and Python warnings through the same handler (one format)."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


class RequestIdMiddleware:
    """Outermost middleware: names the request, logs one line for it, returns the id in the response."""

    def __init__(self, get_response: "Callable[[HttpRequest], HttpResponseBase]") -> None:
        self.get_response = get_response

    def __call__(self, request: "HttpRequest") -> "HttpResponseBase":
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.META[REQUEST_ID_META] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            request_logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            request_id_var.reset(token)
