from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Administrations, users and their roles, and API tokens."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
