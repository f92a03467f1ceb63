"""Request bodies (JSON, forms, multipart), refused with a 400 naming the field when any text holds a NUL.

PostgreSQL cannot store NUL in text nor compare with it, so a NUL reaching a lookup (a code, a slug, a key of a
JSON field) failed there as a server error. DRF's text fields refuse NUL themselves; codes, choices and keys
do not, so the whole body is checked once, where it enters.
"""

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError


def _refuse_nul(data: Any) -> Any:
    if isinstance(data, parsers.DataAndFiles):
        _refuse_nul(data.data)
        return data
    if isinstance(data, QueryDict):
        values = {key: data.getlist(key) for key in data}
        path = _nul_path({key: found[0] if len(found) == 1 else found for key, found in values.items()}, [])
    else:
        path = _nul_path(data, [])
    if path is not None:
        # Nested as DRF nests its own field errors: {"parties": {"0": {"document_number": [...]}}}.
        error: Any = [_("Null characters are not allowed.")]
        for part in reversed(path or ["non_field_errors"]):
            error = {part: error}
        raise ValidationError(error)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        return _refuse_nul(super().parse(stream, media_type, parser_context))


def _nul_path(value: Any, path: list[str]) -> list[str] | None:
    """Where the first NUL character stands in ``value`` (field names and list indexes), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path or [key.replace("\x00", "")]
            found = _nul_path(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, [*path, str(index)])
            if found is not None:
                return found
    return None
