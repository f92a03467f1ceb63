from django.apps import AppConfig


class SeizuresConfig(AppConfig):
    """Structured seizure messages, their line items, routes, validation and import."""

    name = "seizures"
    default_auto_field = "django.db.models.BigAutoField"
