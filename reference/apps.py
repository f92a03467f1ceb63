from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    """Code lists every other app relies on: countries, RILOs, MEAs, HS codes, units, ports."""

    name = "reference"
    default_auto_field = "django.db.models.BigAutoField"
