from django.contrib import admin

from .models import Operation, Participation


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    fields = readonly_fields = ("administration", "role", "status", "national_contact", "invited_at", "responded_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    """Read-only: operations change through their coordinators' pages and API, under the rules."""

    list_display = ["code", "name_en", "status", "starts_at", "ends_at", "coordinating_administration"]
    list_filter = ["status", "coordinating_administration"]
    search_fields = ["code", "name_en", "name_fr"]
    inlines = [ParticipationInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
