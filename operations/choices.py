from django.db import models
from django.utils.translation import gettext_lazy as _


class OperationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class ParticipationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ParticipationRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    OBSERVER = "observer", _("Observer (read only)")


class FormVariant(models.TextChoices):
    SIMPLIFIED = "simplified", _("Simplified form")
    LONG = "long", _("Standard long form")


class FieldRule(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    HIDDEN = "hidden", _("Hidden")


#: The optional parts of a seizure message an operation's template may require or hide.
TEMPLATE_FIELDS = {
    "place": _("Place of seizure"),
    "direction": _("Direction"),
    "transport_mode": _("Transport mode"),
    "vessel": _("Vessel name and IMO number"),
    "flight": _("Flight"),
    "vehicle": _("Vehicle registration"),
    "containers": _("Container numbers"),
    "transport_document": _("Bill of lading or air waybill"),
    "detection_methods": _("Detection methods"),
    "concealment_methods": _("Concealment methods"),
    "reasons": _("Reasons (Basel Article 9)"),
    "action_taken": _("Action taken"),
    "narrative": _("Narrative"),
    "photos": _("Photos and documents"),
    "parties": _("Persons and companies involved"),
}
