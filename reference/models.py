"""Reference data: versioned code lists loaded by ``manage.py load_reference_data``.

Rows are keyed by their standard code, so reloading a newer edition updates them in place and
every record that points at a code keeps pointing at the same thing.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import choices


def localised(english: str, french: str) -> str:
    """The French text for French readers when there is one, the English text otherwise."""
    if french and (get_language() or "en").startswith("fr"):
        return french
    return english


class Bilingual(models.Model):
    """A row named in English and French; ``name`` follows the active language."""

    name_en = models.CharField(_("name (English)"), max_length=255)
    name_fr = models.CharField(_("name (French)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_fr)


class Rilo(Bilingual):
    """A WCO Regional Intelligence Liaison Office; its members are the countries pointing at it."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    host_country = models.ForeignKey(
        "Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("host country")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("RILO")
        verbose_name_plural = _("RILOs")


class Country(Bilingual):
    """ISO 3166-1 country. A country belongs to at most one RILO, which the foreign key enforces."""

    code = models.CharField(_("ISO alpha-2 code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric code"), max_length=3)
    rilo = models.ForeignKey(
        Rilo, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("RILO")
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class Mea(Bilingual):
    """A multilateral environmental agreement, or an enforcement area without one (timber, fishing)."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=64)
    short_name_fr = models.CharField(_("short name (French)"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=choices.MeaKind.choices)
    topic = models.CharField(_("ENVIRONET topic"), max_length=1, choices=choices.Topic.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("MEA")
        verbose_name_plural = _("MEAs")

    def __str__(self) -> str:
        return self.short_name

    @property
    def short_name(self) -> str:
        return localised(self.short_name_en, self.short_name_fr)


class HsCode(models.Model):
    """A chapter (2 digits), heading (4) or subheading (6) of the HS 2022 nomenclature."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=1, choices=choices.HsLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    section = models.CharField(_("section"), max_length=5)
    description = models.TextField(_("description"))
    edition = models.CharField(_("edition"), max_length=8, default="HS2022")

    class Meta:
        ordering = ["code"]
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6})$"), name="hscode_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dotted} {self.description}"

    @property
    def dotted(self) -> str:
        """The code as officers write it: 8549, 8549.11."""
        if len(self.code) == 6:
            return f"{self.code[:4]}.{self.code[4:]}"
        return self.code


class MeaHsLink(models.Model):
    """An HS code commonly seized under an MEA; links cover the code and everything below it."""

    mea = models.ForeignKey(Mea, on_delete=models.CASCADE, related_name="hs_links", verbose_name=_("MEA"))
    hs_code = models.ForeignKey(HsCode, on_delete=models.CASCADE, related_name="mea_links", verbose_name=_("HS code"))
    note_en = models.CharField(_("note (English)"), max_length=255, blank=True)
    note_fr = models.CharField(_("note (French)"), max_length=255, blank=True)

    class Meta:
        ordering = ["mea", "hs_code"]
        verbose_name = _("MEA-HS link")
        verbose_name_plural = _("MEA-HS links")
        constraints = [models.UniqueConstraint(fields=["mea", "hs_code"], name="meahslink_unique")]

    def __str__(self) -> str:
        return f"{self.mea_id} {self.hs_code_id}"


class Unit(Bilingual):
    """A unit of measure with its factors to kilograms, cubic metres and pieces (null: not convertible)."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    dimension = models.CharField(_("dimension"), max_length=8, choices=choices.Dimension.choices)
    to_kg = models.DecimalField(_("kilograms per unit"), max_digits=20, decimal_places=10, null=True, blank=True)
    to_m3 = models.DecimalField(_("cubic metres per unit"), max_digits=20, decimal_places=10, null=True, blank=True)
    to_pieces = models.DecimalField(_("pieces per unit"), max_digits=20, decimal_places=10, null=True, blank=True)
    is_cites = models.BooleanField(_("CITES unit code"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(condition=models.Q(to_kg__gt=0) | models.Q(to_kg__isnull=True), name="unit_kg_pos"),
            models.CheckConstraint(condition=models.Q(to_m3__gt=0) | models.Q(to_m3__isnull=True), name="unit_m3_pos"),
            models.CheckConstraint(
                condition=models.Q(to_pieces__gt=0) | models.Q(to_pieces__isnull=True), name="unit_pieces_pos"
            ),
        ]


class WasteCode(models.Model):
    """A Basel Convention waste code: Annex VIII (A), Annex IX (B), Annexes I and II (Y)."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    annex = models.CharField(_("annex"), max_length=4, choices=choices.WasteAnnex.choices)
    description_en = models.TextField(_("description (English)"))
    description_fr = models.TextField(_("description (French)"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Basel waste code")
        verbose_name_plural = _("Basel waste codes")

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def description(self) -> str:
        return localised(self.description_en, self.description_fr)


class OdsSubstance(models.Model):
    """A Montreal Protocol controlled substance or blend, with ODP and 100-year GWP."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("chemical name"), max_length=128)
    formula = models.CharField(_("formula"), max_length=64, blank=True)
    family = models.CharField(_("family"), max_length=8, choices=choices.OdsFamily.choices)
    annex_group = models.CharField(_("Montreal Protocol annex and group"), max_length=8, blank=True)
    odp = models.DecimalField(_("ozone-depleting potential"), max_digits=8, decimal_places=4)
    gwp = models.PositiveIntegerField(_("global warming potential (100 years)"), null=True, blank=True)
    hs_code = models.ForeignKey(
        HsCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("HS code")
    )
    components = models.JSONField(_("blend components"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ODS substance")
        verbose_name_plural = _("ODS substances")
        constraints = [models.CheckConstraint(condition=models.Q(odp__gte=0), name="odssubstance_odp_nonneg")]

    def __str__(self) -> str:
        return self.code


class CitesTerm(Bilingual):
    """A CITES trade term code (LIV, TUS, IVC ...) with the units its reports prefer."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    preferred_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("preferred unit")
    )
    alternative_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("alternative unit")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("CITES term")
        verbose_name_plural = _("CITES terms")


class Port(models.Model):
    """A seaport (keyed by UN/LOCODE) or an airport (keyed by ICAO code) where seizures happen."""

    code = models.CharField(_("code"), max_length=5, unique=True, help_text=_("UN/LOCODE or ICAO code"))
    kind = models.CharField(_("kind"), max_length=8, choices=choices.PortKind.choices)
    name = models.CharField(_("name"), max_length=255)
    city = models.CharField(_("city"), max_length=128, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="ports", verbose_name=_("country"))
    locode = models.CharField(_("UN/LOCODE"), max_length=5, blank=True, db_index=True)
    iata = models.CharField(_("IATA code"), max_length=3, blank=True, db_index=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("port")
        verbose_name_plural = _("ports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="port_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        label = self.iata or self.locode or self.code
        return f"{self.name} ({label})"
