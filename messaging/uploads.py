"""Checks on uploaded files: type sniffed from the content, size bounded, nothing a browser would run.

Every upload of the platform passes here: attachments and library documents (through
``stored_file_create``), seizure photos, and the spreadsheets of seizure imports. What the client
says a file is (its name, its ``Content-Type``) is never believed; the bytes decide, against the
allow-list of the use the file is for.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from opsplatform.errors import field_error

PDF = {"application/pdf"}
IMAGES = {"image/png", "image/jpeg"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/msword",
    "application/vnd.ms-excel",
}


class UploadUse(StrEnum):
    ATTACHMENT = "attachment"  # posts and seizures: documents and photos
    DOCUMENT = "document"  # the library
    PHOTO = "photo"  # pictures shown as pictures
    IMPORT = "import"  # seizure imports: CSV or XLSX


#: What each use accepts, as sniffed from the bytes. Never HTML or SVG, for any use.
ALLOWED_TYPES: dict[UploadUse, set[str]] = {
    UploadUse.ATTACHMENT: PDF | IMAGES | OFFICE,
    UploadUse.DOCUMENT: PDF | IMAGES | OFFICE,
    UploadUse.PHOTO: IMAGES,
    UploadUse.IMPORT: {XLSX},
}
#: Plain text carries no magic number: accepted only as UTF-8, with one of these names, for these uses.
TEXT_EXTENSIONS: dict[UploadUse, dict[str, str]] = {
    UploadUse.ATTACHMENT: {".txt": "text/plain", ".csv": "text/csv"},
    UploadUse.DOCUMENT: {".txt": "text/plain", ".csv": "text/csv"},
    UploadUse.PHOTO: {},
    UploadUse.IMPORT: {".csv": "text/csv"},
}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def upload_check(upload: UploadedFile, *, use: UploadUse = UploadUse.ATTACHMENT) -> CheckedUpload:
    """Accept a file only for what its bytes are, if its use allows it; plain text only as UTF-8 with a
    .txt or .csv name. Refusals are ``ValidationError`` on the field ``file``."""
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
    texts = TEXT_EXTENSIONS[use]
    if kind is not None and kind.mime in ALLOWED_TYPES[use]:
        content_type = kind.mime
    else:
        name = (upload.name or "").lower()
        extension = next((ext for ext in texts if name.endswith(ext)), None)
        if kind is not None or extension is None or not _is_plain_text(head):
            raise field_error("file", _refusal(use), "file_type")
        content_type = texts[extension]
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


def _refusal(use: UploadUse) -> str:
    if use == UploadUse.PHOTO:
        return _("This type of file is not accepted. Send a JPEG or PNG picture.")
    if use == UploadUse.IMPORT:
        return _("This type of file is not accepted. Send a CSV (UTF-8) or XLSX file.")
    return _("This type of file is not accepted. Send PDF, JPEG or PNG pictures, office documents, text or CSV.")
