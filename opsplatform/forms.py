"""Form plumbing shared by every app's pages."""

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


def apply_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's domain errors on the fields they name, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def posted_data(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must show its errors), or ``None`` to render blank."""
    return request.POST if request.method == "POST" else None


def submitted(request: HttpRequest) -> tuple[Any, Any]:
    """Data and files of a POST with uploads, or ``(None, None)``."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)
