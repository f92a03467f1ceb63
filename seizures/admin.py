from django.contrib import admin

from .models import CommodityLine, RouteLeg, Seizure


class CommodityLineInline(admin.TabularInline):
    model = CommodityLine
    extra = 0
    fields = ("position", "mea", "hs_code", "description", "quantity", "unit", "kg", "m3", "pieces")
    readonly_fields = fields


class RouteLegInline(admin.TabularInline):
    model = RouteLeg
    extra = 0
    fields = ("position", "role", "country", "place_port", "place_name")
    readonly_fields = fields


@admin.register(Seizure)
class SeizureAdmin(admin.ModelAdmin):
    """A read-only view for the secretariat. Seizures change only through the filing services, and
    persons and companies (nominal data) are deliberately not shown here."""

    list_display = ["reference", "operation", "country", "status", "version", "occurred_at", "flagged"]
    list_filter = ["status", "flagged", "operation"]
    search_fields = ["reference"]
    inlines = [CommodityLineInline, RouteLegInline]
    exclude = ["attachments"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
