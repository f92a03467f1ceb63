from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "messaging-api"

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("library/documents", views.DocumentViewSet, basename="document")
router.register("me/notification-settings", views.NotificationPreferenceViewSet, basename="notification-setting")

urlpatterns = [
    path("events/", views.EventListView.as_view(), name="event-list"),
    *router.urls,
]
