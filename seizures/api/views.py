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
from accounts.selectors import units_of
from operations.selectors import operation_list
from opsplatform.api.idempotency import idempotent
from opsplatform.api.routing import ID_PATTERN
from opsplatform.filtering import api_filter_values

from .. import selectors, services
from ..filtersets import SeizureFilterSet
from ..models import Seizure
from . import serializers


def _user(request: Request) -> User:
    return cast(User, request.user)


class SeizureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Seizure messages the caller may see; a hidden seizure answers 404 on itself and every action.

    Filing: ``POST`` with ``"submit": true`` sends the message to the V-OCU at once; without it the
    seizure stays a draft of the administration. ``POST`` honours ``Idempotency-Key``.
    """

    serializer_class = serializers.SeizureSerializer
    filterset_class = SeizureFilterSet
    queryset = Seizure.objects.none()
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> QuerySet[Seizure]:
        filters: dict[str, Any] = {}
        if self.action == "list":
            filters = api_filter_values(SeizureFilterSet, self.request.query_params)
        return selectors.with_details(selectors.seizure_list(user=_user(self.request), filters=filters))

    def get_object(self) -> Seizure:
        return selectors.seizure_get(user=_user(self.request), seizure_id=int(self.kwargs["pk"]))

    def _answer(self, seizure: Seizure, code: int = status.HTTP_200_OK) -> Response:
        user = _user(self.request)
        seizure = selectors.with_details(Seizure.objects.filter(pk=seizure.pk)).get()
        total = getattr(seizure, "party_count", 0)
        parties: list[Any] | None = None
        if selectors.can_see_parties(user=user, seizure=seizure):
            parties = selectors.party_list(user=user, seizure=seizure, channel="api") if total else []
        context = {
            **self.get_serializer_context(),
            "parties": parties,
            "party_counts": {seizure.pk: {"total": total, **selectors.party_counts(seizure=seizure, total=total)}},
        }
        return Response(serializers.SeizureSerializer(seizure, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=serializers.SeizureCreateSerializer, responses={201: serializers.SeizureSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = serializers.SeizureCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        operation = operation_list(user=_user(request)).filter(pk=data.pop("operation")).first()
        if operation is None:
            raise ValidationError({"operation": [_("No operation you take part in has this id.")]})
        submit = data.pop("submit")
        unit = None
        unit_id = data.pop("unit", None)
        if unit_id is not None:
            unit = units_of(user=_user(request)).filter(pk=unit_id).first()
            if unit is None:
                raise ValidationError({"unit": [_("You are not a member of a unit with this id.")]})
        seizure = services.seizure_create(user=_user(request), operation=operation, data=data, submit=submit, unit=unit)
        return self._answer(seizure, status.HTTP_201_CREATED)

    def idempotent_replay(self, request: Request, body: Any) -> Any:
        """A replayed filing shows parties only to whom may still see them, and logs the read."""
        if not isinstance(body, dict) or not body.get("parties") or not isinstance(body.get("id"), int):
            return body
        user = _user(request)
        seizure = selectors.seizure_list(user=user).filter(pk=body["id"]).first()
        if seizure is None:
            return {**body, "parties": []}
        shown = {party.pk for party in selectors.party_list(user=user, seizure=seizure, channel="api")}
        return {**body, "parties": [party for party in body["parties"] if party.get("id") in shown]}

    @extend_schema(request=serializers.SeizureWriteSerializer, responses=serializers.SeizureSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        seizure = self.get_object()
        partial = kwargs.get("partial", False)
        form = serializers.SeizureWriteSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if partial:
            data = {**services.seizure_as_filing(seizure, with_parties=False), **data}
        seizure = services.seizure_update(user=_user(request), seizure=seizure, data=data)
        return self._answer(seizure)

    @extend_schema(request=None, responses=serializers.SeizureSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(services.seizure_submit(user=_user(request), seizure=self.get_object()))

    @extend_schema(request=serializers.CommentSerializer, responses=serializers.SeizureSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str | None = None) -> Response:
        form = serializers.CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seizure = services.seizure_validate(
            user=_user(request), seizure=self.get_object(), comment=form.validated_data["comment"]
        )
        return self._answer(seizure)

    @extend_schema(request=serializers.CommentSerializer, responses=serializers.SeizureSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request: Request, pk: str | None = None) -> Response:
        form = serializers.CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seizure = services.seizure_request_info(
            user=_user(request), seizure=self.get_object(), comment=form.validated_data["comment"]
        )
        return self._answer(seizure)

    @extend_schema(request=serializers.WithdrawSerializer, responses=serializers.SeizureSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        form = serializers.WithdrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seizure = services.seizure_withdraw(
            user=_user(request), seizure=self.get_object(), reason=form.validated_data["reason"]
        )
        return self._answer(seizure)

    @extend_schema(responses=serializers.SeizureVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        versions = selectors.seizure_versions(seizure=self.get_object())
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(serializers.SeizureVersionSerializer(page, many=True).data)
