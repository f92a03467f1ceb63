from django.apps import AppConfig


class OpsplatformConfig(AppConfig):
    name = "opsplatform"
    verbose_name = "opsplatform"

    def ready(self) -> None:
        from . import routes  # noqa: F401  (registers the check that every route has an access rule)
