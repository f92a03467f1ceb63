"""Domain errors as services raise them: a field, a message in the user's language, and a stable code."""

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ``ValidationError`` for one field that keeps its ``code`` (a dict of plain messages would lose it)."""
    return ValidationError({field: ValidationError(message, code=code)})
