"""Closed code lists fixed by their standards; translated like every other label."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """The five ENVIRONET topics."""

    HAZARDOUS = "A", _("A: hazardous waste, chemical weapons, hazardous chemicals, POPs")
    SPECIES = "B", _("B: endangered species")
    LMO = "C", _("C: living modified organisms")
    OZONE = "D", _("D: ozone-depleting substances")
    GENERAL = "E", _("E: general interest")


class MeaKind(models.TextChoices):
    AGREEMENT = "agreement", _("Multilateral environmental agreement")
    AREA = "area", _("Enforcement area without an agreement")


class HsLevel(models.TextChoices):
    CHAPTER = "2", _("Chapter")
    HEADING = "4", _("Heading")
    SUBHEADING = "6", _("Subheading")


class Dimension(models.TextChoices):
    MASS = "mass", _("Mass")
    VOLUME = "volume", _("Volume")
    COUNT = "count", _("Count")
    LENGTH = "length", _("Length")
    AREA = "area", _("Area")


class PortKind(models.TextChoices):
    SEAPORT = "seaport", _("Seaport")
    AIRPORT = "airport", _("Airport")


class TransportMode(models.TextChoices):
    """UNECE Recommendation 19, codes for modes of transport."""

    SEA = "1", _("Maritime transport")
    RAIL = "2", _("Rail transport")
    ROAD = "3", _("Road transport")
    AIR = "4", _("Air transport")
    MAIL = "5", _("Mail")
    MULTIMODAL = "6", _("Multimodal transport")
    FIXED = "7", _("Fixed transport installation")
    INLAND_WATER = "8", _("Inland water transport")
    UNKNOWN = "9", _("Transport mode not applicable or unknown")


class DetectionMethod(models.TextChoices):
    RISK_PROFILING = "risk_profiling", _("Risk profiling")
    INTELLIGENCE = "intelligence", _("Intelligence")
    DOCUMENT_CHECK = "document_check", _("Document check")
    PHYSICAL_EXAMINATION = "physical_examination", _("Physical examination")
    NII_SCAN = "nii_scan", _("X-ray or non-intrusive inspection scan")
    DETECTOR_DOG = "detector_dog", _("Detector dog")
    RANDOM = "random", _("Random selection")


class ConcealmentMethod(models.TextChoices):
    NONE = "none", _("No concealment")
    MISDECLARATION = "misdeclaration", _("Misdeclaration")
    FALSE_LABELS = "false_labels", _("False labels")
    LEGAL_CARGO = "legal_cargo", _("Hidden in legal cargo")
    FALSE_COMPARTMENT = "false_compartment", _("False compartment")
    BAGGAGE = "baggage", _("Hidden in baggage")
    ON_BODY = "on_body", _("Hidden on the body")


class BaselReason(models.TextChoices):
    """The five cases of illegal traffic under Article 9(1) of the Basel Convention."""

    NO_NOTIFICATION = "a", _("Without notification to all States concerned")
    NO_CONSENT = "b", _("Without the consent of a State concerned")
    CONSENT_BY_FRAUD = "c", _("With consent obtained by falsification, misrepresentation or fraud")
    NOT_CONFORMING = "d", _("Not conforming in a material way with the documents")
    DELIBERATE_DISPOSAL = "e", _("Deliberate disposal in contravention of the Convention")


class CitesAppendix(models.TextChoices):
    I = "I", _("Appendix I")  # noqa: E741
    II = "II", _("Appendix II")
    III = "III", _("Appendix III")


class WasteAnnex(models.TextChoices):
    """Basel Convention annexes that list waste codes."""

    I = "I", _("Annex I: categories of wastes to be controlled")  # noqa: E741
    II = "II", _("Annex II: wastes requiring special consideration")
    VIII = "VIII", _("Annex VIII: hazardous wastes (A list)")
    IX = "IX", _("Annex IX: non-hazardous wastes (B list)")


class OdsFamily(models.TextChoices):
    CFC = "CFC", _("Chlorofluorocarbon")
    HALON = "halon", _("Halon")
    CTC = "CTC", _("Carbon tetrachloride")
    MCF = "MCF", _("Methyl chloroform")
    HCFC = "HCFC", _("Hydrochlorofluorocarbon")
    HBFC = "HBFC", _("Hydrobromofluorocarbon")
    BCM = "BCM", _("Bromochloromethane")
    MB = "MB", _("Methyl bromide")
    HFC = "HFC", _("Hydrofluorocarbon")
    BLEND = "blend", _("Blend")
