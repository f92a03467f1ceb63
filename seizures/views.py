"""Seizure pages: filing (simplified and long form), my seizures, detail with history, the V-OCU's queue.

Everything works without JavaScript: repeatable commodity lines, route legs and parties are added
with plain submit buttons that redisplay the form with one more row, keeping what was typed.
"""

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseFormSet, Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import policy
from accounts import selectors as account_selectors
from accounts.models import Unit, User
from messaging import services as messaging_services
from messaging.api.views import file_response
from operations import selectors as operation_selectors
from operations.choices import FieldRule, FormVariant
from operations.models import Operation
from opsplatform.filtering import filter_values
from opsplatform.ratelimit import download_limited
from reference.choices import BaselReason, ConcealmentMethod, DetectionMethod
from reference.models import Country

from . import selectors, services
from .choices import ActionTaken, Finding, SeizureStatus
from .filtersets import SeizureFilterSet
from .forms import (
    SIMPLIFIED_HEADER,
    SIMPLIFIED_LINE,
    ImportForm,
    LineFormSet,
    PartyFormSet,
    ReviewForm,
    RouteFormSet,
    SeizureForm,
    line_choices,
)
from .models import Seizure
from .validation import TEMPLATE_FIELD_MAP

ALL_HEADER = set(SeizureForm.base_fields)
ALL_LINE = {
    "mea", "hs_code", "description", "quantity", "unit", "waste_code", "ods_substance", "equipment_pieces",
    "species", "cites_appendix", "cites_term", "live_count", "surviving_count", "disposal",
}  # fmt: skip
ADD_BUTTONS = {"line": "lines", "leg": "route", "party": "parties"}
FIELD_GROUPS = {
    "where": [
        "occurred_at", "place_port", "place_name", "place_locode", "place_function", "latitude", "longitude",
        "direction", "transport_mode",
    ],
    "shipment": [
        "vessel_name", "vessel_imo", "flight", "vehicle_registration", "containers", "transport_document",
        "detection_methods", "concealment_methods", "reasons", "actions_taken",
    ],
    "about": ["narrative", "handling_code", "attachments"],
}  # fmt: skip


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- The filing form ---------------------------------------------------------------------------


class Filing:
    """The seizure form, its three formsets and the variant (simplified or long) shown."""

    def __init__(
        self, request: HttpRequest, operation: Operation, initial: dict[str, Any] | None, seizure: Seizure | None
    ) -> None:
        self.operation = operation
        self.seizure = seizure
        post = request.POST if request.method == "POST" else None
        self.variant = (post or request.GET).get("variant") or operation.default_form
        if post is not None and "show_long" in post:
            self.variant = FormVariant.LONG
        if self.variant not in FormVariant.values:
            self.variant = FormVariant.SIMPLIFIED
        self.adding = post.get("add") if post is not None else None
        rules = operation.field_rules or {}
        hidden = {
            name for field, rule in rules.items() if rule == FieldRule.HIDDEN for name in TEMPLATE_FIELD_MAP[field]
        }
        required = {
            name for field, rule in rules.items() if rule == FieldRule.REQUIRED for name in TEMPLATE_FIELD_MAP[field]
        }
        long = self.variant == FormVariant.LONG
        header = (ALL_HEADER if long else SIMPLIFIED_HEADER | required | {"occurred_at"}) - hidden
        if "latitude" in header:
            header.add("longitude")
        self.with_parties = "parties" not in hidden and (long or "parties" in required)
        data: Any = post
        if post is not None and self.adding in ADD_BUTTONS:
            data = self._with_one_more(post, ADD_BUTTONS[self.adding])
        files = request.FILES if post is not None else None
        initial = (initial or {}) if post is None else {}  # a posted form shows what was posted
        self.form = SeizureForm(data, files, shown=header, initial=initial)
        self.lines = LineFormSet(
            data,
            prefix="lines",
            initial=initial.get("lines") or [{}],
            form_kwargs={"shown": ALL_LINE if long else SIMPLIFIED_LINE, "choices": line_choices()},
        )
        self.route = RouteFormSet(data, prefix="route", initial=initial.get("route") or [{}])
        self.parties = (
            PartyFormSet(data, prefix="parties", initial=initial.get("parties") or []) if self.with_parties else None
        )
        self.section_errors: dict[str, list[str]] = {}
        self.show_errors = post is not None and self.adding is None and "show_long" not in post

    @staticmethod
    def _with_one_more(post: QueryDict, prefix: str) -> QueryDict:
        data = post.copy()
        key = f"{prefix}-TOTAL_FORMS"
        try:
            data[key] = str(min(int(data.get(key) or 0), 199) + 1)
        except ValueError:
            data[key] = "1"
        return data

    @property
    def formsets(self) -> list[BaseFormSet]:
        return [formset for formset in (self.lines, self.route, self.parties) if formset is not None]

    def is_valid(self) -> bool:
        if not self.show_errors:
            return False
        valid = self.form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    @staticmethod
    def _rows(formset: BaseFormSet) -> list[tuple[int, dict[str, Any]]]:
        rows = []
        for index, form in enumerate(formset.forms):
            values = getattr(form, "cleaned_data", {})
            if not values or values.get("DELETE") or not form.has_changed():
                continue
            if formset.prefix == "route" and not (values.get("country") or values.get("place_port")):
                continue  # a leg left without a country, such as an origin nobody knows
            rows.append((index, {name: value for name, value in values.items() if name != "DELETE"}))
        return rows

    def data(self) -> dict[str, Any]:
        """The filing in the services' shape; each row remembers the form it came from for errors."""
        values = {name: value for name, value in self.form.cleaned_data.items() if name != "attachments"}
        self.line_rows = self._rows(self.lines)
        self.route_rows = self._rows(self.route)
        values["lines"] = [row for _index, row in self.line_rows]
        values["route"] = [row for _index, row in self.route_rows]
        if self.parties is not None:
            self.party_rows = self._rows(self.parties)
            values["parties"] = [row for _index, row in self.party_rows]
        else:
            values["parties"] = None if self.seizure is not None else []
        if self.seizure is not None:
            kept = services.seizure_as_filing(self.seizure, with_parties=False)
            values = {**{key: kept[key] for key in kept if key not in values}, **values}
        return values

    def attachments(self) -> list[Any]:
        return self.form.cleaned_data.get("attachments") or []

    def apply_errors(self, error: ValidationError) -> None:
        """Put each of the service's errors beside its field, or at the head of its section."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error.messages)
            return
        sections: dict[str, tuple[BaseFormSet | None, list[tuple[int, dict[str, Any]]]]] = {
            "lines": (self.lines, getattr(self, "line_rows", [])),
            "route": (self.route, getattr(self, "route_rows", [])),
            "parties": (self.parties, getattr(self, "party_rows", [])),
        }
        for name, messages_ in error.message_dict.items():
            parts = name.split(".")
            if parts[0] in sections and len(parts) == 3:
                formset, rows = sections[parts[0]]
                index = int(parts[1])
                if formset is not None and index < len(rows):
                    form: Form = formset.forms[rows[index][0]]
                    form.add_error(parts[2] if parts[2] in form.fields else None, messages_)
                    continue
            if parts[0] in sections:
                self.section_errors.setdefault(parts[0], []).extend(messages_)
            elif name in self.form.fields:
                self.form.add_error(name, messages_)
            else:
                label = str(SeizureForm.base_fields[name].label) if name in SeizureForm.base_fields else ""
                self.form.add_error(None, [f"{label}: {message}" if label else message for message in messages_])

    def context(self) -> dict[str, Any]:
        return {
            "filing": self,
            "form": self.form,
            "lines": self.lines,
            "route": self.route,
            "parties": self.parties,
            "operation": self.operation,
            "seizure": self.seizure,
            "variant": self.variant,
            "long": self.variant == FormVariant.LONG,
            "show_errors": self.show_errors,
            "groups": {
                group: [self.form[name] for name in names if name in self.form.fields]
                for group, names in FIELD_GROUPS.items()
            },
            "Status": SeizureStatus,
            "countries": Country.objects.only("code", "name_en", "name_fr"),
        }


def _initial(seizure: Seizure) -> dict[str, Any]:
    filing = services.seizure_as_filing(seizure, with_parties=False)
    filing["containers"] = " ".join(filing["containers"])
    return filing


def _party_initial(user: User, seizure: Seizure) -> list[dict[str, Any]]:
    """The parties shown in the edit form: a read of nominal data like any other, so it is logged."""
    return [
        {
            "kind": party.kind,
            "role": party.role,
            "name": party.name,
            "date_of_birth": party.date_of_birth,
            "nationality": party.nationality_id or "",
            "document_number": party.document_number,
            "registration_number": party.registration_number,
            "address": party.address,
        }
        for party in selectors.party_list(user=user, seizure=seizure, channel="page")
    ]


@login_required
def seizure_new(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = operation_selectors.operation_get(user=user, operation_id=operation_id)
    if selectors.filing_participation(user=user, operation=operation) is None:
        raise Http404
    assert user.administration is not None
    initial = {"route": [{"role": "origin"}, {"role": "discovery", "country": user.administration.country_id}]}
    filing = Filing(request, operation, initial, None)
    units = list(account_selectors.units_of(user=user))
    if filing.is_valid():
        submit = request.POST.get("save") == "submit"
        try:
            seizure = services.seizure_create(
                user=user,
                operation=operation,
                data=filing.data(),
                submit=submit,
                attachments=filing.attachments(),
                unit=_chosen_unit(request, units),
            )
        except ValidationError as error:
            filing.apply_errors(error)
        except PermissionDenied as error:
            filing.form.add_error(None, str(error))
        else:
            if submit:
                messages.success(request, _("Seizure %(reference)s submitted to the V-OCU.") % {"reference": seizure})
                return redirect("seizure-detail", seizure.pk)
            messages.success(request, _("Draft %(reference)s saved.") % {"reference": seizure})
            return redirect("seizure-edit", seizure.pk)
    return render(request, "seizures/form.html", {**filing.context(), "units": units})


def _chosen_unit(request: HttpRequest, units: list[Unit]) -> Unit | None:
    """The unit the draft is filed for, among the filer's own units; none when left empty."""
    chosen = request.POST.get("unit", "")
    return next((unit for unit in units if str(unit.pk) == chosen), None)


@login_required
def seizure_edit(request: HttpRequest, seizure_id: int) -> HttpResponse:
    user = _user(request)
    seizure = selectors.seizure_get(user=user, seizure_id=seizure_id)
    if not selectors.can_edit(user=user, seizure=seizure) or seizure.status == SeizureStatus.WITHDRAWN:
        raise Http404
    filing = Filing(request, seizure.operation, _initial(seizure), seizure)
    if filing.with_parties and request.method == "GET":
        filing.parties = PartyFormSet(None, prefix="parties", initial=_party_initial(user, seizure))
    if filing.is_valid():
        submit = request.POST.get("save") == "submit"
        try:
            seizure = services.seizure_update(
                user=user, seizure=seizure, data=filing.data(), attachments=filing.attachments()
            )
            if submit and seizure.status in (SeizureStatus.DRAFT, SeizureStatus.INFO_REQUESTED):
                seizure = services.seizure_submit(user=user, seizure=seizure)
        except ValidationError as error:
            filing.apply_errors(error)
        except PermissionDenied as error:
            filing.form.add_error(None, str(error))
        else:
            if seizure.status == SeizureStatus.DRAFT:
                messages.success(request, _("Draft %(reference)s saved.") % {"reference": seizure})
                return redirect("seizure-edit", seizure.pk)
            messages.success(request, _("Seizure %(reference)s saved.") % {"reference": seizure})
            return redirect("seizure-detail", seizure.pk)
    return render(request, "seizures/form.html", filing.context())


# --- Reading -----------------------------------------------------------------------------------


@login_required
def retention_review(request: HttpRequest) -> HttpResponse:
    """The secretariat's review of what the next retention run erases: references and counts, never names."""
    if not policy.allows("seizure.retention", user=_user(request)):
        raise Http404
    return render(
        request,
        "seizures/retention.html",
        {"rows": selectors.retention_review(), "default_years": settings.PARTY_RETENTION_YEARS},
    )


@login_required
def seizure_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filterset = SeizureFilterSet(data=request.GET)
    filters = filter_values(filterset)
    mine = request.GET.get("mine", "1" if user.role in selectors.FILING_ROLES else "") == "1"
    if mine and user.administration_id:
        filters["administration"] = user.administration_id
    seizures = selectors.seizure_list(user=user, filters=filters).order_by("-updated_at", "-id")
    page = Paginator(seizures, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "seizures/list.html",
        {
            "filterset": filterset,
            "page": page,
            "mine": mine,
            "open_operations": selectors.operations_open_for_filing(user=user).filter(status__in=["active", "closed"]),
        },
    )


def _findings(seizure: Seizure) -> list[dict[str, Any]]:
    return [
        {**item, "label": Finding(item["code"]).label if item["code"] in Finding.values else item["code"]}
        for item in seizure.findings
    ]


@login_required
def seizure_detail(request: HttpRequest, seizure_id: int) -> HttpResponse:
    user = _user(request)
    seizure = selectors.seizure_get(user=user, seizure_id=seizure_id)
    seizure = selectors.with_details(Seizure.objects.filter(pk=seizure.pk)).get()
    can_see_parties = selectors.can_see_parties(user=user, seizure=seizure)
    reviewer = selectors.is_coordinator(user=user, seizure=seizure)
    context = {
        "seizure": seizure,
        "operation": seizure.operation,
        "can_edit": selectors.can_edit(user=user, seizure=seizure) and seizure.status != SeizureStatus.WITHDRAWN,
        "can_review": reviewer and seizure.status == SeizureStatus.SUBMITTED,
        "show_findings": reviewer or selectors.is_reporter(user=user, seizure=seizure),
        "findings": _findings(seizure),
        "parties": selectors.party_list(user=user, seizure=seizure, channel="page") if can_see_parties else None,
        "party_counts": selectors.party_counts(seizure=seizure),
        "case_members": selectors.case_members(user=user, seizure=seizure),
        "review_form": ReviewForm(),
        "Status": SeizureStatus,
        "detection": _labels(DetectionMethod, seizure.detection_methods),
        "concealment": _labels(ConcealmentMethod, seizure.concealment_methods),
        "reasons": _labels(BaselReason, seizure.reasons),
        "actions": _labels(ActionTaken, seizure.actions_taken),
    }
    return render(request, "seizures/detail.html", context)


def _labels(choices: Any, values: list[str]) -> list[str]:
    return [str(choices(value).label) for value in values if value in choices.values]


@login_required
def seizure_history(request: HttpRequest, seizure_id: int) -> HttpResponse:
    seizure = selectors.seizure_get(user=_user(request), seizure_id=seizure_id)
    return render(
        request,
        "seizures/history.html",
        {"seizure": seizure, "versions": selectors.seizure_versions(seizure=seizure)},
    )


@login_required
@download_limited
def seizure_file(request: HttpRequest, seizure_id: int, uuid: str) -> FileResponse:
    """A photo or document of a seizure, for whoever may see the seizure; each download is in the access log."""
    user = _user(request)
    seizure = selectors.seizure_get(user=user, seizure_id=seizure_id)
    stored = seizure.attachments.filter(uuid=uuid).first()
    if stored is None:
        raise Http404
    messaging_services.stored_file_record_download(user=user, stored=stored, channel="page")
    return file_response(stored)


# --- Actions -----------------------------------------------------------------------------------

ACTION_DONE = {
    "submit": gettext_lazy("Seizure submitted to the V-OCU."),
    "validate": gettext_lazy("Seizure validated."),
    "request_info": gettext_lazy("The reporting administration was asked for more information."),
    "withdraw": gettext_lazy("Seizure withdrawn."),
}


@login_required
@require_POST
def seizure_action(request: HttpRequest, seizure_id: int) -> HttpResponse:
    user = _user(request)
    seizure = selectors.seizure_get(user=user, seizure_id=seizure_id)
    action = request.POST.get("action", "")
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if action == "submit":
            services.seizure_submit(user=user, seizure=seizure)
        elif action == "validate":
            services.seizure_validate(user=user, seizure=seizure, comment=comment)
        elif action == "request_info":
            services.seizure_request_info(user=user, seizure=seizure, comment=comment)
        elif action == "withdraw":
            services.seizure_withdraw(user=user, seizure=seizure, reason=comment)
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(ACTION_DONE[action]))
    back = request.POST.get("next", "")
    if back.startswith("/seizures/queue/"):
        return redirect(back)
    return redirect("seizure-detail", seizure.pk)


@login_required
def validation_queue(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = operation_selectors.operation_get(user=user, operation_id=operation_id)
    if not operation_selectors.is_coordinator(user=user, operation=operation):
        raise Http404
    queue = selectors.with_details(selectors.validation_queue(user=user, operation=operation))
    page = Paginator(queue, 25).get_page(request.GET.get("page"))
    for seizure in page:
        seizure.finding_labels = _findings(seizure)  # type: ignore[attr-defined]
    return render(
        request,
        "seizures/queue.html",
        {"operation": operation, "page": page, "review_form": ReviewForm(), "next": request.get_full_path()},
    )


@login_required
def seizure_import(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = operation_selectors.operation_get(user=user, operation_id=operation_id)
    if not operation_selectors.is_coordinator(user=user, operation=operation):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.seizures_import(
                user=user, operation=operation, name=upload.name or "", content=upload.read()
            )
        except ValidationError as error:
            row_errors = error.messages
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Imported %(seizures)s seizures (%(lines)s commodity lines).")
                % {"seizures": len(result.seizures), "lines": result.lines},
            )
            return redirect("seizure-queue", operation.pk)
    return render(request, "seizures/import.html", {"operation": operation, "form": form, "row_errors": row_errors})
