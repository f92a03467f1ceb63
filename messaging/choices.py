from django.db import models
from django.utils.translation import gettext_lazy as _


class AudienceKind(models.TextChoices):
    """ENVIRONET's four audiences, plus a recipient set computed by a higher layer."""

    ALL_CUSTOMS = "all_customs", _("All customs officers")
    MY_COUNTRY = "my_country", _("All users in my country")
    EVERYBODY = "everybody", _("Everybody")
    CHOSEN = "chosen", _("Chosen recipients")
    EXPLICIT = "explicit", _("Participants of the context")


class PostKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    ALERT = "alert", _("Alert")
    FEEDBACK = "feedback", _("Feedback")
    REQUEST = "request", _("Request for assistance")


class FeedbackOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: goods found or seized")
    NEGATIVE = "negative", _("Negative: nothing found")
    ONGOING = "ongoing", _("Ongoing: checks not finished")
    NOT_ARRIVED = "not_arrived", _("Shipment not arrived or not traced")


class DocumentKind(models.TextChoices):
    TRAINING = "training", _("Training material")
    IDENTIFICATION = "identification", _("Identification guide")
    MANUAL = "manual", _("Manual")
    ALERT = "alert", _("Alert")
    LEGAL = "legal", _("Legal text")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", _("Off")


class NotificationKind(models.TextChoices):
    POST = "post", _("New posts")
    DOCUMENT = "document", _("New library documents")
    SEIZURE = "seizure", _("New seizures in my operations")
    FEEDBACK_DUE = "feedback_due", _("Feedback due")
    REPORT = "report", _("Reports I asked for are ready")
