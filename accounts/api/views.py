from typing import Any, cast

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from opsplatform.throttling import ScopedRateThrottle

from .. import selectors, services
from ..filtersets import AdministrationFilterSet
from ..models import Administration, ApiToken, User
from ..two_factor import totp_confirmed_device, two_factor_required
from . import serializers
from .authentication import BearerTokenAuthentication


class TokenView(APIView):
    """Exchange a username and password (and a code, for accounts with a second factor) for a bearer token,
    or revoke the token in use. Failures count towards the sign-in lockout, as on the login page."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=serializers.TokenRequestSerializer, responses={201: serializers.IssuedTokenSerializer})
    def post(self, request: Request) -> Response:
        form = serializers.TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=form.validated_data["username"], password=form.validated_data["password"]
        )
        if user is None:
            raise ValidationError(
                {"non_field_errors": [_("Unable to log in with this username and password.")]}, code="authentication"
            )
        self._check_second_factor(request, cast(User, user), form.validated_data["otp"])
        token, raw = services.token_issue(user=user, name=form.validated_data["name"])
        services.user_record_sign_in(user=cast(User, user))
        body = serializers.IssuedTokenSerializer(token).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    def _check_second_factor(self, request: Request, user: User, code: str) -> None:
        device = totp_confirmed_device(user)
        if device is None:
            if two_factor_required(user) or user.is_staff or user.is_superuser:
                raise ValidationError(
                    {"otp": [_("Your role requires a second factor: set up your authenticator app on the web first.")]},
                    code="otp_not_set_up",
                )
            return
        code = code.strip().replace(" ", "")
        if not code:
            raise ValidationError({"otp": [_("Give the current code of your authenticator app.")]}, code="required")
        if device.verify_token(code):
            return
        credentials = {"username": user.username}
        user_login_failed.send(sender=__name__, credentials=credentials, request=request._request)
        if not AxesProxyHandler.is_allowed(request._request, credentials):
            request._request.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware answers
            request._request.axes_credentials = credentials  # type: ignore[attr-defined]
        raise ValidationError({"otp": [_("This code is not valid.")]}, code="invalid_code")

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.successful_authenticator, BearerTokenAuthentication):
            raise ValidationError(
                {"non_field_errors": [_("Send the token to revoke as 'Authorization: Bearer <token>'.")]},
                code="no_token",
            )
        services.token_revoke(token=cast(ApiToken, request.auth))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's own tokens; deleting one revokes it (the record stays for the audit trail)."""

    serializer_class = serializers.ApiTokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> Any:
        return selectors.token_list(user=cast(User, self.request.user))

    def perform_destroy(self, instance: ApiToken) -> None:
        services.token_revoke(token=instance)


class MeView(APIView):
    """The caller's own account; only the language preference can be changed here."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(serializers.MeSerializer(request.user).data)

    @extend_schema(request=serializers.MeSerializer, responses=serializers.MeSerializer)
    def patch(self, request: Request) -> Response:
        form = serializers.MeSerializer(request.user, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        if "language" in form.validated_data:
            services.user_set_language(user=cast(User, request.user), language=form.validated_data["language"])
        return Response(serializers.MeSerializer(request.user).data)


class AdministrationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AdministrationSerializer
    filterset_class = AdministrationFilterSet
    search_fields = ["code", "name", "name_fr"]
    queryset = Administration.objects.none()

    def get_queryset(self) -> Any:
        return selectors.administration_list(user=cast(User, self.request.user))
