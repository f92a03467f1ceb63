from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from opsplatform.api.idempotency import idempotent
from opsplatform.api.routing import ID_PATTERN
from opsplatform.filtering import api_filter_values

from .. import selectors, services
from ..filtersets import OperationFilterSet
from ..models import Operation, Participation
from . import serializers


def _user(request: Request) -> User:
    return cast(User, request.user)


class OperationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Operations the caller may see; a hidden operation answers 404 on itself and every sub-resource."""

    serializer_class = serializers.OperationSerializer
    filterset_class = OperationFilterSet
    queryset = Operation.objects.none()
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Operation]:
        filters: dict[str, Any] = {}
        if self.action == "list":
            filters = api_filter_values(OperationFilterSet, self.request.query_params)
        return selectors.operation_list(user=_user(self.request), filters=filters).prefetch_related(
            "coordinators", "scope_meas", "scope_hs_codes", "scope_countries", "scope_rilos"
        )

    def get_object(self) -> Operation:
        return selectors.operation_get(user=_user(self.request), operation_id=int(self.kwargs["pk"]))

    def _answer(self, operation: Operation, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(operation).data, status=code)

    @extend_schema(request=serializers.OperationWriteSerializer, responses={201: serializers.OperationSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = serializers.OperationWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.pop("confirm_scope_change", None)
        operation = services.operation_create(user=_user(request), **data)
        return self._answer(operation, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.OperationWriteSerializer, responses=serializers.OperationSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        operation = self.get_object()
        form = serializers.OperationWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        confirm = data.pop("confirm_scope_change", False)
        for fixed in ("code", "coordinating_administration"):
            if fixed in data and data[fixed] != getattr(operation, fixed):
                raise ValidationError({fixed: [_("This cannot change once the operation exists.")]})
            data.pop(fixed, None)
        operation = services.operation_update(
            user=_user(request), operation=operation, confirm_scope_change=confirm, **data
        )
        return self._answer(operation)

    def _transition(self, request: Request, name: str) -> Response:
        operation = services.operation_transition(user=_user(request), operation=self.get_object(), action=name)
        return self._answer(operation)

    @extend_schema(request=None, responses=serializers.OperationSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "schedule")

    @extend_schema(request=None, responses=serializers.OperationSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "activate")

    @extend_schema(request=None, responses=serializers.OperationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "close")

    @extend_schema(request=None, responses=serializers.OperationSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, "archive")

    @extend_schema(request=serializers.ExtendSerializer, responses=serializers.OperationSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        form = serializers.ExtendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        operation = services.operation_extend(
            user=_user(request), operation=self.get_object(), ends_at=form.validated_data["ends_at"]
        )
        return self._answer(operation)

    @extend_schema(request=serializers.InviteSerializer, responses=serializers.ParticipationSerializer(many=True))
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: str | None = None) -> Response:
        form = serializers.InviteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        invited = services.participation_invite(
            user=_user(request),
            operation=self.get_object(),
            administrations=form.validated_data.get("administrations", []),
            rilo=form.validated_data.get("rilo"),
        )
        return Response(serializers.ParticipationSerializer(invited, many=True).data)

    def _respond(self, request: Request, accept: bool) -> Response:
        operation = self.get_object()
        participation = selectors.own_participation(user=_user(request), operation=operation)
        if participation is None:
            raise ValidationError({"non_field_errors": [_("Your administration was not invited to this operation.")]})
        participation = services.participation_respond(user=_user(request), participation=participation, accept=accept)
        return Response(serializers.ParticipationSerializer(participation).data)

    @extend_schema(request=None, responses=serializers.ParticipationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(request, accept=True)

    @extend_schema(request=None, responses=serializers.ParticipationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(request, accept=False)

    @extend_schema(responses=serializers.ParticipationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def participants(self, request: Request, pk: str | None = None) -> Response:
        participations: QuerySet[Participation] = selectors.participation_list(
            user=_user(request), operation=self.get_object()
        )
        page = self.paginate_queryset(participations)
        return self.get_paginated_response(serializers.ParticipationSerializer(page, many=True).data)
