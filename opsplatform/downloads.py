"""How every file leaves the platform: as an attachment, never sniffed, never rendered as a page."""

from typing import TypeVar

from django.http import HttpResponseBase
from django.utils.http import content_disposition_header

#: A file opened anyway (a PDF in a browser tab) runs nothing and loads nothing.
FILE_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def as_attachment(response: ResponseT, filename: str) -> ResponseT:
    """Mark a generated file (report, export, table) as a private download."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
