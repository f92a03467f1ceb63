"""Operation pages: list, creation, workspace, participants, settings. Plain forms, no JavaScript needed."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from messaging import selectors as messaging_selectors
from opsplatform.filtering import filter_values
from opsplatform.forms import apply_service_errors, posted_data

from . import selectors, services
from .choices import TEMPLATE_FIELDS, FieldRule, ParticipationRole, ParticipationStatus
from .filtersets import OperationFilterSet
from .forms import ExtendForm, InviteForm, OperationForm, ThreadPostForm
from .models import Operation


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _coordinated(request: HttpRequest, operation_id: int) -> Operation:
    operation = selectors.operation_get(user=_user(request), operation_id=operation_id)
    if not selectors.is_coordinator(user=_user(request), operation=operation):
        raise Http404
    return operation


@login_required
def operation_list(request: HttpRequest) -> HttpResponse:
    filterset = OperationFilterSet(data=request.GET)
    filters = filter_values(filterset)
    operations = selectors.operation_list(user=_user(request), filters=filters)
    page = Paginator(operations, 25).get_page(request.GET.get("page"))
    can_create = policy.allows("operation.create", user=_user(request))
    return render(request, "operations/list.html", {"filterset": filterset, "page": page, "can_create": can_create})


def _operation_data(form: OperationForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    for name in list(data):
        if name.startswith("rule_"):
            data.pop(name)
    data["field_rules"] = form.field_rules()
    for relation in ("coordinators", "scope_meas", "scope_rilos"):
        data[relation] = list(data[relation])
    return data


@login_required
def operation_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.allows("operation.create", user=user):
        raise Http404
    form = OperationForm(posted_data(request), user=user)
    if request.method == "POST" and form.is_valid():
        try:
            operation = services.operation_create(user=user, **_operation_data(form))
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Operation %(code)s created as a draft.") % {"code": operation.code})
            return redirect("operation-detail", operation.pk)
    return render(request, "operations/form.html", {"form": form, "operation": None})


@login_required
def operation_detail(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = selectors.operation_get(user=user, operation_id=operation_id)
    participations = list(selectors.participation_list(user=user, operation=operation))
    by_rilo: dict[str, list[Any]] = {}
    for participation in participations:
        country = participation.administration.country
        rilo = country.rilo.name if country and country.rilo else _("International organisations")
        by_rilo.setdefault(str(rilo), []).append(participation)
    thread = messaging_selectors.post_inbox(user=user, filters={"context": operation.context})
    now = timezone.now()
    context = {
        "operation": operation,
        "is_coordinator": selectors.is_coordinator(user=user, operation=operation),
        "own": selectors.own_participation(user=user, operation=operation),
        "by_rilo": sorted(by_rilo.items()),
        "counts": selectors.participation_counts(operation=operation),
        "reports": operation.reported_scope.values("reference").distinct().count(),
        "messages_count": thread.count(),
        "thread": thread[:10],
        "rules": [
            (label, FieldRule(operation.field_rules.get(name, FieldRule.OPTIONAL)).label)
            for name, label in TEMPLATE_FIELDS.items()
        ],
        "starts_in": operation.starts_at - now if operation.starts_at > now else None,
        "ends_in": operation.ends_at - now if operation.starts_at <= now < operation.ends_at else None,
        "post_form": ThreadPostForm(),
        "extend_form": ExtendForm(),
        "ParticipationStatus": ParticipationStatus,
        "can_file": operation.accepts_reports and _may_file(user, operation),
        "can_post": policy.allows("operation.post", user=user, relations=_thread_relations(user, operation)),
    }
    return render(request, "operations/detail.html", context)


def _thread_relations(user: User, operation: Operation) -> set[policy.Relation]:
    """Participants and coordinators alike are in the thread's audience."""
    return {policy.Relation.PARTICIPANT} if user.pk in selectors.operation_audience(operation=operation) else set()


def _may_file(user: User, operation: Operation) -> bool:
    """Officers and contact points of an administration taking part (not observing) file seizures."""
    own = selectors.own_participation(user=user, operation=operation)
    taking_part = (
        own is not None and own.status == ParticipationStatus.ACCEPTED and own.role == ParticipationRole.PARTICIPANT
    )
    return policy.allows("seizure.file", user=user, relations={policy.Relation.PARTICIPANT} if taking_part else ())


def _narrows_scope(error: ValidationError) -> bool:
    """The service refused only because filed seizures would fall outside the new scope."""
    return any(item.code == "scope_narrowed" for item in getattr(error, "error_dict", {}).get("scope", []))


@login_required
def operation_edit(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = _coordinated(request, operation_id)
    initial = {
        "code": operation.code,
        "name_en": operation.name_en,
        "name_fr": operation.name_fr,
        "description_en": operation.description_en,
        "description_fr": operation.description_fr,
        "coordinating_administration": operation.coordinating_administration_id,
        "coordinators": list(operation.coordinators.all()),
        "starts_at": operation.starts_at,
        "ends_at": operation.ends_at,
        "grace_days": operation.grace_days,
        "scope_meas": list(operation.scope_meas.all()),
        "scope_hs_codes": " ".join(operation.scope_hs_codes.values_list("code", flat=True)),
        "scope_rilos": list(operation.scope_rilos.all()),
        "scope_countries": " ".join(operation.scope_countries.values_list("code", flat=True)),
        "default_form": operation.default_form,
        **{f"rule_{name}": rule for name, rule in operation.field_rules.items()},
    }
    form = OperationForm(posted_data(request), initial=initial, user=user, editing=True)
    needs_confirmation = False
    if request.method == "POST" and form.is_valid():
        data = _operation_data(form)
        for fixed in ("code", "coordinating_administration"):
            data.pop(fixed)
        for moment in ("starts_at", "ends_at"):
            original = getattr(operation, moment)
            if data[moment] == original.replace(microsecond=0):
                data[moment] = original  # the page shows whole seconds; unchanged means unchanged
        try:
            services.operation_update(
                user=user, operation=operation, confirm_scope_change="confirm_scope_change" in request.POST, **data
            )
        except ValidationError as error:
            needs_confirmation = _narrows_scope(error)
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The operation was saved."))
            return redirect("operation-detail", operation.pk)
    return render(
        request,
        "operations/form.html",
        {"form": form, "operation": operation, "needs_confirmation": needs_confirmation},
    )


@login_required
@require_POST
def operation_action(request: HttpRequest, operation_id: int, action: str) -> HttpResponse:
    operation = _coordinated(request, operation_id)
    try:
        if action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.get_json_data())
            services.operation_extend(user=_user(request), operation=operation, ends_at=form.cleaned_data["ends_at"])
        elif action in services.TRANSITIONS:
            services.operation_transition(user=_user(request), operation=operation, action=action)
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        done = {
            "extend": _("The operation was extended."),
            "schedule": _("The operation is planned."),
            "activate": _("The operation is active."),
            "close": _("The operation is closed."),
            "archive": _("The operation is archived."),
        }
        messages.success(request, done[action])
    return redirect("operation-detail", operation.pk)


@login_required
def operation_participants(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = _coordinated(request, operation_id)
    form = InviteForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.participation_invite(
                user=user,
                operation=operation,
                administrations=form.cleaned_data["administrations"],
                rilo=form.cleaned_data["rilo"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s administrations invited.") % {"count": len(invited)})
            return redirect("operation-participants", operation.pk)
    return render(
        request,
        "operations/participants.html",
        {
            "operation": operation,
            "form": form,
            "participations": selectors.participation_list(user=user, operation=operation),
        },
    )


@login_required
@require_POST
def participation_answer(request: HttpRequest, operation_id: int, answer: str) -> HttpResponse:
    user = _user(request)
    operation = selectors.operation_get(user=user, operation_id=operation_id)
    participation = selectors.own_participation(user=user, operation=operation)
    if participation is None or answer not in ("accept", "decline"):
        raise Http404
    try:
        services.participation_respond(user=user, participation=participation, accept=answer == "accept")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("operation-detail", operation.pk)


@login_required
@require_POST
def operation_thread_post(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = selectors.operation_get(user=user, operation_id=operation_id)
    form = ThreadPostForm(request.POST)
    if form.is_valid():
        topic = operation.scope_meas.values_list("topic", flat=True).first() or "E"
        try:
            services.operation_post(user=user, operation=operation, topic=topic, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.error(request, _("Give the message a title and a text."))
    return redirect("operation-detail", operation.pk)
