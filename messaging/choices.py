from django.db import models
from django.utils.translation import gettext_lazy as _


class AudienceKind(models.TextChoices):
    """ENVIRONET's four audiences, plus a recipient set computed by a higher layer."""

    ALL_CUSTOMS = "all_customs", _("All customs officers")
    MY_COUNTRY = "my_country", _("All users in my country")
    EVERYBODY = "everybody", _("Everybody")
    CHOSEN = "chosen", _("Chosen recipients")
    EXPLICIT = "explicit", _("Participants of the context")


class HandlingCode(models.TextChoices):
    """Traffic Light Protocol (TLP 2.0): how far something may travel, from CLEAR (anywhere in the
    closed user group) to RED (named recipients only). The layer that knows the thing decides what each
    code allows for it; messaging enforces it for posts."""

    CLEAR = "clear", _("TLP:CLEAR - no restriction within the platform")
    GREEN = "green", _("TLP:GREEN - the community")
    AMBER = "amber", _("TLP:AMBER - limited to the organisations involved")
    RED = "red", _("TLP:RED - named recipients only")

    @classmethod
    def rank(cls, code: str) -> int:
        """How restricted a code is: CLEAR 0 to RED 3."""
        return [cls.CLEAR, cls.GREEN, cls.AMBER, cls.RED].index(cls(code))

    @classmethod
    def at_least(cls, code: str) -> list[str]:
        """``code`` and every code more restricted than it."""
        return [value for value in cls.values if cls.rank(value) >= cls.rank(code)]

    @property
    def tlp(self) -> str:
        """The code as TLP writes it, never translated: ``TLP:AMBER``."""
        return f"TLP:{self.name}"

    @classmethod
    def listed_for_participants(cls) -> list[str]:
        """Codes whose items a context's participants may see one by one."""
        return [cls.CLEAR, cls.GREEN, cls.AMBER]


#: What each code means for a post, shown beside the field.
POST_HANDLING_CODE_HELP = _(
    "Traffic Light Protocol. TLP:RED: chosen recipients only. TLP:AMBER: your own organisations, "
    "not everybody nor all customs officers. TLP:GREEN (the default): the community on this platform. "
    "TLP:CLEAR: no restriction within the platform. Replies never widen the code of the post they answer."
)


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
