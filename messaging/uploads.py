"""Checks on uploaded files: type sniffed from the content, size bounded, nothing a browser would run."""

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from opsplatform.errors import field_error

#: What the library and attachments accept, as sniffed from the bytes. Never HTML or SVG.
ALLOWED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword",
    "application/vnd.ms-excel",
}
TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def upload_check(upload: UploadedFile) -> CheckedUpload:
    """Accept a file only for what its bytes are; plain text only as UTF-8 with a .txt or .csv name."""
    size = upload.size or 0
    limit = settings.UPLOAD_MAX_BYTES
    if size == 0:
        raise field_error("file", _("The file is empty."), "empty")
    if size > limit:
        raise field_error(
            "file", _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}, "too_large"
        )
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in ALLOWED_TYPES:
        content_type = kind.mime
    else:
        name = (upload.name or "").lower()
        extension = next((ext for ext in TEXT_EXTENSIONS if name.endswith(ext)), None)
        if kind is not None or extension is None or not _is_plain_text(head):
            raise field_error(
                "file",
                _("This type of file is not accepted. Send PDF, images, office documents, text or CSV."),
                "file_type",
            )
        content_type = TEXT_EXTENSIONS[extension]
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest())


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The sample may cut a multi-byte character in two.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    lowered = text.lstrip().lower()
    return not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))
