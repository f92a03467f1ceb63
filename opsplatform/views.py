from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors as account_selectors
from accounts.choices import Role
from accounts.models import User
from operations import selectors as operation_selectors
from operations.choices import OperationStatus
from reference import selectors as reference_selectors
from seizures import selectors as seizure_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on the panel it works from."""
    user = cast(User, request.user)
    context: dict[str, object] = {
        "role_label": Role(user.role).label,
        "operations": operation_selectors.operation_list(
            user=user, filters={"status": OperationStatus.ACTIVE}
        ).order_by("ends_at")[:10],
    }
    if user.role in seizure_selectors.FILING_ROLES:
        context["seizure_work"] = seizure_selectors.seizure_work(user=user)
    if user.role == Role.SECRETARIAT:
        context["role_counts"] = [(Role(role).label, total) for role, total in account_selectors.role_counts().items()]
        context["administration_count"] = account_selectors.administration_list(user=user).count()
    elif user.role == Role.COORDINATOR:
        context["rilo"] = reference_selectors.rilo_for_administration(administration=user.administration)
        context["queues"] = seizure_selectors.queues_for(user=user)
    elif user.role == Role.NATIONAL_CONTACT:
        context["colleagues"] = account_selectors.administration_colleagues(user=user)
    return render(request, f"home/{user.role}.html", context)
