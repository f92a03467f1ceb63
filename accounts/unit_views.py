"""Pages for units: teams working in shifts with a shared inbox and shared drafts, each person signing in
as themselves. National contact points manage their administration's units, the secretariat every unit;
members see their own units; for anyone else a unit does not exist (404)."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from opsplatform.forms import apply_service_errors, posted_data

from . import selectors, services
from .choices import Role
from .models import Administration, User


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the unit"), max_length=128)
    administration = forms.ModelChoiceField(
        label=gettext_lazy("Administration"), queryset=Administration.objects.filter(is_active=True)
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.role != Role.SECRETARIAT:
            del self.fields["administration"]


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=User.objects.none())

    def __init__(self, *args: Any, administration_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["user"])
        field.queryset = User.objects.filter(administration_id=administration_id, is_active=True).order_by(
            "last_name", "first_name", "username"
        )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    may_manage = selectors.may_manage_units(user=user)
    form = UnitForm(posted_data(request), user=user) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            administration = form.cleaned_data.get("administration") or user.administration
            assert administration is not None, "contact points belong to an administration"
            try:
                unit = services.unit_create(actor=user, administration=administration, name=form.cleaned_data["name"])
            except ValidationError as error:
                apply_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Unit %(name)s created.") % {"name": unit.name})
                return redirect("unit-detail", unit.pk)
    return render(request, "accounts/units/list.html", {"units": selectors.unit_list(user=user), "form": form})


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = selectors.unit_get(user=user, unit_id=unit_id)
    may_manage = selectors.unit_may_manage(user=user, unit=unit)
    form = MemberForm(posted_data(request), administration_id=unit.administration_id) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.unit_add_member(actor=user, unit=unit, user=form.cleaned_data["user"])
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("%(person)s joined the unit.") % {"person": form.cleaned_data["user"]})
                return redirect("unit-detail", unit.pk)
    return render(
        request,
        "accounts/units/detail.html",
        {
            "unit": unit,
            "members": unit.members.order_by("last_name", "first_name", "username"),
            "form": form,
            "may_manage": may_manage,
            "is_member": selectors.unit_is_member(user=user, unit=unit),
        },
    )


@login_required
@require_POST
def unit_member_remove(request: HttpRequest, unit_id: int, person_id: int) -> HttpResponse:
    user = _user(request)
    unit = selectors.unit_get(user=user, unit_id=unit_id)
    if not selectors.unit_may_manage(user=user, unit=unit):
        raise Http404
    person = unit.members.filter(pk=person_id).first()
    if person is None:
        raise Http404
    services.unit_remove_member(actor=user, unit=unit, user=person)
    messages.success(request, _("%(person)s left the unit.") % {"person": person})
    return redirect("unit-detail", unit.pk)
