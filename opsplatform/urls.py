from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import admin_login

from . import health, metrics, views
from .api.routing import IdConverter

register_converter(IdConverter, "id")

# The admin's own login form would skip the second factor: staff sign in on the platform's pages instead.
admin.site.login = admin_login  # type: ignore[method-assign]

api_v1 = [
    path("", include("accounts.api.urls")),
    path("reference/", include("reference.api.urls")),
    path("", include("messaging.api.urls")),
    path("", include("operations.api.urls")),
    path("", include("seizures.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("reference/", include("reference.urls")),
    path("channel/", include("messaging.urls")),
    path("operations/", include("operations.urls")),
    path("seizures/", include("seizures.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's page carries a small <style> block; its scripts are files, so scripts stay strict.
    path(
        "api/docs/",
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

admin.site.site_header = "opsplatform"
admin.site.site_title = "opsplatform"
