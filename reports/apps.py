from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Aggregation of operation results and their CSV, PDF and JSON exports."""

    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"
