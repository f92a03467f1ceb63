from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "accounts-api"

router = SimpleRouter()
router.register("auth/tokens", views.ApiTokenViewSet, basename="apitoken")
router.register("administrations", views.AdministrationViewSet, basename="administration")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
