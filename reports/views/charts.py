"""An operation's figures at a glance, as SVG images drawn on the server: light, cacheable, no JavaScript."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.models import User
from opsplatform.charts import bar_chart_svg, time_series_svg

from .. import selectors
from ..choices import ReportKind
from ..datasets import Builder

TOP = 8


@login_required
def operation_chart(request: HttpRequest, operation_id: int, name: str) -> HttpResponse:
    """Seizures per day, top commodity streams (tonnes by HS heading) or top routes, as submitted so far."""
    user = cast(User, request.user)
    operation = selectors.report_operation_get(user=user, operation_id=operation_id)
    audience = selectors.report_audience(user=user, operation=operation)
    builder = Builder(operation=operation, kind=ReportKind.PRELIMINARY, audience=audience)
    if name == "per-day":
        points = [(row[0], row[1]) for row in builder.per_day()["rows"]]
        svg = time_series_svg(points, title=_("Seizures per day"))
    elif name == "streams":
        rows = builder.by_hs_heading()["rows"][:TOP]
        svg = bar_chart_svg(
            [(f"{row[0]} {row[1]}", row[4]) for row in rows], title=_("Top commodity streams"), unit="t"
        )
    elif name == "routes":
        rows = builder.top_routes()["rows"][:TOP]
        svg = bar_chart_svg([(f"{row[0]} → {row[1]}", row[2]) for row in rows], title=_("Top routes"))
    else:
        raise Http404
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response
