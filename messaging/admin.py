from django.contrib import admin
from django.http import HttpRequest

from .models import Document, Event, Notification, NotificationPreference, Post


class ReadOnlyAdmin(admin.ModelAdmin):
    """Channel records are written by services only; the admin shows them for support and audit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "topic", "author", "audience", "context", "created_at"]
    list_filter = ["kind", "topic", "audience"]
    search_fields = ["title", "body", "context"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title_en", "kind", "topic", "audience", "download_count", "created_at"]
    list_filter = ["kind", "topic"]
    search_fields = ["title_en", "title_fr"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "position", "type", "op", "created_at", "pushed_at"]
    list_filter = ["type"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "topic", "context", "frequency"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "kind", "frequency", "created_at", "sent_at"]
    list_filter = ["kind", "frequency"]
