from django.contrib import admin

from .models import CitesTerm, Country, HsCode, Mea, MeaHsLink, OdsSubstance, Port, Rilo, Unit, WasteCode


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "alpha3", "name_en", "name_fr", "rilo"]
    list_filter = ["rilo"]
    search_fields = ["code", "alpha3", "name_en", "name_fr"]


class MemberInline(admin.TabularInline):
    model = Country
    fields = ["code", "name_en"]
    readonly_fields = ["code", "name_en"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Rilo)
class RiloAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "host_country"]
    inlines = [MemberInline]


class MeaHsLinkInline(admin.TabularInline):
    model = MeaHsLink
    autocomplete_fields = ["hs_code"]
    extra = 0


@admin.register(Mea)
class MeaAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name_en", "name_en", "kind", "topic"]
    list_filter = ["kind", "topic"]
    inlines = [MeaHsLinkInline]


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "level", "section", "description"]
    list_filter = ["level", "section"]
    search_fields = ["code", "description"]
    raw_id_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "dimension", "to_kg", "to_m3", "to_pieces", "is_cites"]
    list_filter = ["dimension", "is_cites"]
    search_fields = ["code", "name_en", "name_fr"]


@admin.register(WasteCode)
class WasteCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "annex", "description_en"]
    list_filter = ["annex"]
    search_fields = ["code", "description_en", "description_fr"]


@admin.register(OdsSubstance)
class OdsSubstanceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "family", "annex_group", "odp", "gwp", "hs_code"]
    list_filter = ["family"]
    search_fields = ["code", "name", "formula"]
    raw_id_fields = ["hs_code"]


@admin.register(CitesTerm)
class CitesTermAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_fr", "preferred_unit", "alternative_unit"]
    search_fields = ["code", "name_en", "name_fr"]


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "city", "country", "iata", "locode"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "city", "iata", "locode"]
    raw_id_fields = ["country"]
