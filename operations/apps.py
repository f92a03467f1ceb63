from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Time-boxed joint operations, participation and V-OCU coordination."""

    name = "operations"
    default_auto_field = "django.db.models.BigAutoField"
