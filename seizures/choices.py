"""Code lists of the seizure message that belong to it alone (shared code lists live in ``reference``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from messaging.choices import HandlingCode as HandlingCode


class SeizureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    VALIDATED = "validated", _("Validated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Direction(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    TRANSIT = "transit", _("Transit")
    TRANSHIPMENT = "transhipment", _("Transhipment")


class PlaceFunction(models.TextChoices):
    """UN/LOCODE functions of the place where goods were stopped."""

    PORT = "port", _("Port")
    RAIL = "rail", _("Rail terminal")
    ROAD = "road", _("Road terminal")
    AIRPORT = "airport", _("Airport")
    POSTAL = "postal", _("Postal exchange office")
    BORDER = "border", _("Border crossing")
    INLAND = "inland", _("Inland control")


class ActionTaken(models.TextChoices):
    DETAINED = "detained", _("Detained")
    SEIZED = "seized", _("Seized")
    RETURNED = "returned", _("Returned (ship-back)")
    FINED = "fined", _("Fined")
    CRIMINAL_CASE = "criminal_case", _("Criminal case opened")


#: What each TLP code means for a seizure message, shown beside the field.
HANDLING_CODE_HELP = _(
    "Traffic Light Protocol. TLP:RED: the coordinators (V-OCU) and your administration only. "
    "TLP:AMBER: the participants of the operation. TLP:GREEN: also regional views and posts to the community. "
    "TLP:CLEAR: as green, and public aggregate figures. "
    "Whatever the code, names of people and companies stay with your administration and the coordinators."
)


class RouteRole(models.TextChoices):
    ORIGIN = "origin", _("Origin")
    EXPORT = "export", _("Export / departure")
    TRANSIT = "transit", _("Transit")
    DESTINATION = "destination", _("Destination")
    DISCOVERY = "discovery", _("Discovery")


class Disposal(models.TextChoices):
    EVIDENCE = "evidence", _("Held as evidence")
    DESTROYED = "destroyed", _("Destroyed")
    RETURNED = "returned", _("Returned to the country of export")
    RESCUE_CENTRE = "rescue_centre", _("Sent to a rescue centre")
    PENDING = "pending", _("Pending")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class PartyRole(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    EXPORTER = "exporter", _("Exporter")
    IMPORTER = "importer", _("Importer")
    CARRIER = "carrier", _("Carrier")
    CONSIGNOR = "consignor", _("Consignor")
    CONSIGNEE = "consignee", _("Consignee")
    BROKER = "broker", _("Customs broker or agent")


class ShipmentKeyKind(models.TextChoices):
    CONTAINER = "container", _("Container number")
    TRANSPORT_DOCUMENT = "transport_document", _("Bill of lading or air waybill")


class Finding(models.TextChoices):
    """Soft findings: accepted, shown to the V-OCU as flags."""

    HS_NOT_LINKED = "hs_not_linked", _("HS code not usually covered by this MEA")
    MEA_OUT_OF_SCOPE = "mea_out_of_scope", _("MEA outside the operation's scope")
    HS_OUT_OF_SCOPE = "hs_out_of_scope", _("HS code outside the operation's commodity focus")
    QUANTITY_UNUSUAL = "quantity_unusual", _("Quantity far above what this commodity usually weighs")
    SAME_SHIPMENT = "same_shipment", _("Reported by another administration too (same shipment)")
