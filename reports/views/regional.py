"""A RILO's regional view: the regions a reader may open, and one region's seizures over time and top routes."""

from datetime import date
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from opsplatform.charts import bar_chart_svg, time_series_svg

from ..regional import region_summary, rilo_get, rilos_visible


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    rilos = rilos_visible(user=_user(request)).select_related("host_country").order_by("code")
    return render(request, "reports/region_list.html", {"rilos": rilos})


@login_required
def region_detail(request: HttpRequest, rilo: str) -> HttpResponse:
    user = _user(request)
    region = rilo_get(user=user, code=rilo)
    since_text = request.GET.get("since", "").strip()
    since, since_error = _since(since_text)
    summary = region_summary(rilo=region, since=since, user=user)
    months = [{**row, "label": _month_label(row["month"])} for row in summary["per_month"]]
    routes = [(f"{row['origin']} → {row['destination']}", row["seizures"]) for row in summary["top_routes"]]
    context = {
        "rilo": region,
        "summary": summary,
        "figures": summary["key_figures"],
        "since": since_text,
        "since_error": since_error,
        "months": months,
        "month_chart": time_series_svg(
            [(row["label"], row["seizures"]) for row in months], title=_("Seizures per month")
        ),
        "route_chart": bar_chart_svg(routes, title=_("Top routes")),
        "handling_note": _(
            "Only seizures whose handling code lets them travel beyond their operation (TLP:GREEN and TLP:CLEAR) "
            "count in regional figures."
        ),
    }
    return render(request, "reports/region_detail.html", context, status=400 if since_error else 200)


def _since(text: str) -> tuple[date | None, str]:
    """The day the figures start from; a date that cannot be read shows an error and every figure."""
    if not text:
        return None, ""
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        return None, _("Enter a valid date.")
    return parsed, ""


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return date_format(date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")
