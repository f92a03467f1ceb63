from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Administration, ApiToken, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The current code of the authenticator app: required for accounts with a second factor."),
    )


class IssuedTokenSerializer(serializers.ModelSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Shown once; send it as 'Authorization: Bearer <token>'.")
    )

    class Meta:
        model = ApiToken
        fields = ["id", "token", "name", "prefix", "created_at", "expires_at"]


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at"]


class AdministrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Administration
        fields = ["id", "code", "name", "name_fr", "kind", "country", "rilo"]


class MeSerializer(serializers.ModelSerializer):
    administration = AdministrationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "language",
            "position",
            "administration",
        ]
        read_only_fields = ["id", "username", "email", "first_name", "last_name", "role", "position", "administration"]
