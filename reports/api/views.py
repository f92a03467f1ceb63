from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AccessLog, User
from operations.models import Operation
from opsplatform.api.idempotency import idempotent
from opsplatform.api.routing import ID_PATTERN
from opsplatform.filtering import api_filter_values
from opsplatform.throttling import ScopedRateThrottle

from .. import selectors, services
from ..filtersets import ReportFilterSet
from ..models import Report
from . import serializers


def _user(request: Request) -> User:
    return cast(User, request.user)


def _baseline(user: User, baseline_id: int | None) -> Operation | None:
    if baseline_id is None:
        return None
    baseline = selectors.report_operations(user=user).filter(pk=baseline_id).first()
    if baseline is None:
        raise ValidationError({"baseline": [_("No operation you may see has this id.")]})
    return baseline


class OperationReportView(APIView):
    """The operation's debrief as data, computed now: every key figure and table in the caller's scope."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "download"

    @extend_schema(parameters=[serializers.ReportQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, operation_id: int) -> Response:
        user = _user(request)
        operation = selectors.report_operation_get(user=user, operation_id=operation_id)
        query = serializers.ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        baseline = _baseline(user, query.validated_data.get("baseline"))
        if baseline is not None and baseline.pk == operation.pk:
            raise ValidationError({"baseline": [_("Compare with another operation, not with itself.")]})
        data = selectors.report_dataset(
            user=user,
            operation=operation,
            kind=query.validated_data["kind"],
            language=query.validated_data.get("language") or get_language() or "en",
            baseline=baseline,
        )
        services.record_download(
            user=user,
            operation=operation,
            what=f"{query.validated_data['kind']}.json",
            action=AccessLog.Action.EXPORT,
            channel="api",
        )
        return Response(data)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Stored editions of operation reports in the caller's audience. ``POST`` asks for a new edition
    (rendered at once for small operations, else by a worker: poll ``status`` and ``progress``)."""

    serializer_class = serializers.ReportSerializer
    filterset_class = ReportFilterSet
    queryset = Report.objects.none()
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Report]:
        user = _user(self.request)
        filters = api_filter_values(ReportFilterSet, self.request.query_params) if self.action == "list" else {}
        reports = selectors.reports_visible(user=user)
        for name in ("operation", "kind", "status"):
            if name in filters:
                reports = reports.filter(**{name if name != "operation" else "operation_id": filters[name]})
        return reports.order_by("-created_at", "-id")

    def get_object(self) -> Report:
        return selectors.report_get(user=_user(self.request), report_id=int(self.kwargs["pk"]))

    @extend_schema(request=serializers.ReportRequestSerializer, responses={201: serializers.ReportSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        form = serializers.ReportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        operation = selectors.report_operations(user=user).filter(pk=form.validated_data["operation"]).first()
        if operation is None:
            raise ValidationError({"operation": [_("No operation you may see has this id.")]})
        report = services.report_request(
            user=user,
            operation=operation,
            kind=form.validated_data["kind"],
            language=form.validated_data.get("language") or get_language() or "en",
            baseline=_baseline(user, form.validated_data.get("baseline")),
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)
