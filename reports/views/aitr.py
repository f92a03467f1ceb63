"""The CITES Annual Illegal Trade Report: choose a year (and, for the secretariat, an administration), get the XLSX.

A plain GET form, so that the download is a link a person can bookmark or send to a colleague with the same rights.
"""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.choices import AdministrationKind
from accounts.models import AccessLog, Administration, User
from accounts.services import access_log_record
from opsplatform.downloads import as_attachment
from opsplatform.ratelimit import download_limited

from ..aitr import FIRST_YEAR, aitr_workbook

ACTION = "report.aitr"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AdministrationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        administration = cast(Administration, obj)
        country = administration.country
        return f"{country.name}: {administration}" if country is not None else str(administration)


class AitrForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), error_messages={"invalid": _("Enter a year as four digits, such as 2025.")}
    )
    administration = AdministrationChoiceField(
        label=_("Administration"),
        queryset=Administration.objects.none(),
        error_messages={"invalid_choice": _("Choose a national administration from the list.")},
    )

    def __init__(self, *args: Any, administrations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if administrations is None:
            del self.fields["administration"]
        else:
            cast(forms.ModelChoiceField, self.fields["administration"]).queryset = administrations

    def clean_year(self) -> int:
        year = cast(int, self.cleaned_data["year"])
        last = timezone.now().year
        if not FIRST_YEAR <= year <= last:
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s."),
                code="out_of_range",
                params={"first": FIRST_YEAR, "last": last},
            )
        return year


def _national_administrations() -> Any:
    return (
        Administration.objects.filter(kind__in=AdministrationKind.national(), is_active=True)
        .select_related("country")
        .order_by("country__name_en", "name")
    )


def _own_administration(user: User) -> Administration:
    """A national administration's own report, for the people ``accounts.policy`` lets prepare it (observers
    do not); anyone else finds no such page."""
    administration = user.administration
    if (
        administration is None
        or administration.kind not in AdministrationKind.national()
        or administration.country_id is None
        or not policy.allows(ACTION, user=user, relations=[policy.Relation.OWN_ADMINISTRATION])
    ):
        raise Http404
    return administration


@login_required
def aitr_form(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    every_administration = policy.allows(ACTION, user=user)
    own = None if every_administration else _own_administration(user)
    administrations = _national_administrations() if every_administration else None
    submitted = "year" in request.GET or "administration" in request.GET
    form = AitrForm(
        request.GET if submitted else None,
        administrations=administrations,
        initial={"year": timezone.now().year - 1},
    )
    if submitted and form.is_valid():
        administration: Administration = own or form.cleaned_data["administration"]
        year: int = form.cleaned_data["year"]
        return _download(request, administration, year)
    context = {"form": form, "administration": own}
    return render(request, "reports/aitr.html", context, status=400 if submitted else 200)


@download_limited
def _download(request: HttpRequest, administration: Administration, year: int) -> HttpResponse:
    """The export itself: rate-limited like every download (showing the form is not), and in the access log."""
    user = cast(User, request.user)
    content = aitr_workbook(administration=administration, year=year, language=get_language() or "en")
    country = administration.country_id
    access_log_record(
        user=user,
        object_type="report",
        objects=[(str(administration.pk), f"AITR {year} {country}")],
        action=AccessLog.Action.EXPORT,
        channel="page",
    )
    return as_attachment(HttpResponse(content, content_type=XLSX), f"AITR-{year}-{country}.xlsx")
