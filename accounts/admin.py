from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, user_snapshot
from .models import AccessLog, AccessRequest, ActivationToken, Administration, ApiToken, User


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "country", "rilo", "is_active"]
    list_filter = ["kind", "is_active", "rilo"]
    search_fields = ["code", "name", "name_fr"]
    raw_id_fields = ["country"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "administration", "role", "language", "is_active"]
    list_filter = ["role", "language", "is_active", "is_staff", "administration__kind"]
    search_fields = ["username", "email", "first_name", "last_name", "administration__name"]
    raw_id_fields = ["administration"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Platform"), {"fields": ("administration", "role", "language", "position")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "administration", "role", "language", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """Accounts changed here bypass the services, so the audit trail is written here."""
        before = user_snapshot(User.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        after = user_snapshot(obj)
        if before != after:
            audit_record(
                actor=request.user, action="update" if change else "create", obj=obj, reference=obj.username,
                administration=obj.administration_id, before=before, after=after,
            )  # fmt: skip


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["user", "prefix", "digest", "created_at", "expires_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read only: the application never changes or deletes what the access log says."""

    list_display = ["at", "user", "action", "object_type", "object_id", "reference", "channel"]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["user__username", "reference", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    """Read only: requests are decided on the platform's own pages, by the contact point and the secretariat."""

    list_display = ["created_at", "email", "administration", "status", "endorsed_by", "decided_by"]
    list_filter = ["status"]
    search_fields = ["email", "first_name", "last_name", "administration__name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ActivationToken)
class ActivationTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "used_at"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["user", "digest", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
