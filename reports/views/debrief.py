"""An operation's reports: request an edition, watch it being generated, download it again."""

import json
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from accounts.models import User
from opsplatform.downloads import as_attachment
from opsplatform.forms import apply_service_errors, posted_data
from opsplatform.ratelimit import download_limited

from .. import exports, selectors, services
from ..choices import ReportKind, ReportStatus
from ..forms import ReportRequestForm


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def operation_reports(request: HttpRequest, operation_id: int) -> HttpResponse:
    user = _user(request)
    operation = selectors.report_operation_get(user=user, operation_id=operation_id)
    may_request = selectors.may_request(user=user, operation=operation)
    baselines = selectors.report_operations(user=user).exclude(pk=operation.pk).order_by("-starts_at")
    form = ReportRequestForm(posted_data(request), baselines=baselines, initial={"language": get_language()})
    status = 200
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied
        if form.is_valid():
            try:
                report = services.report_request(
                    user=user,
                    operation=operation,
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    baseline=form.cleaned_data["baseline"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect("report-detail", report.pk)
        status = 400
    context = {
        "operation": operation,
        "reports": selectors.report_list(user=user, operation=operation)[:50],
        "form": form,
        "may_request": may_request,
        "audience": selectors.report_audience(user=user, operation=operation),
    }
    return render(request, "reports/operation.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(user=_user(request), report_id=report_id)
    context = {"report": report, "operation": report.operation, "Status": ReportStatus, "data": report.data}
    return render(request, "reports/detail.html", context)


@login_required
@download_limited
def report_download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get(user=user, report_id=report_id)
    if report.status != ReportStatus.READY:
        raise Http404
    if fmt == "json":
        services.record_download(user=user, report=report, what="json")
        content, content_type = json.dumps(report.data, ensure_ascii=False, indent=1).encode(), "application/json"
        name = f"{report.operation.code}-{report.kind}-v{report.version}-{report.language}.json"
    elif fmt in ("pdf", "xlsx"):
        content, content_type, name = services.report_download(user=user, report=report, fmt=fmt)
    else:
        raise Http404
    return as_attachment(HttpResponse(content, content_type=content_type), name)


@login_required
@download_limited
def table_csv(request: HttpRequest, report_id: int, table: str) -> HttpResponse:
    user = _user(request)
    report = selectors.report_get(user=user, report_id=report_id)
    if report.status != ReportStatus.READY or report.data is None:
        raise Http404
    if table == "key_figures":
        content = exports.key_figures_csv(report.data)
    elif table in report.data["tables"]:
        content = exports.table_csv(report.data["tables"][table])
    else:
        raise Http404
    services.record_download(user=user, report=report, what=f"{table}.csv")
    name = f"{report.operation.code}-{report.kind}-v{report.version}-{table}.csv"
    return as_attachment(HttpResponse(content, content_type="text/csv; charset=utf-8"), name)


@login_required
@download_limited
def lines_csv(request: HttpRequest, operation_id: int) -> StreamingHttpResponse:
    """Every commodity line the reader may see, as of now, streamed with constant memory."""
    user = _user(request)
    operation = selectors.report_operation_get(user=user, operation_id=operation_id)
    kind = request.GET.get("kind", ReportKind.PRELIMINARY)
    if kind not in ReportKind.values:
        raise Http404
    audience = selectors.report_audience(user=user, operation=operation)
    services.record_download(user=user, operation=operation, what=f"lines-{kind}.csv")
    stream = exports.lines_csv(operation=operation, kind=kind, audience=audience, language=get_language() or "en")
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    as_attachment(response, f"{operation.code}-lines-{kind}.csv")
    return response
