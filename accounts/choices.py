from django.db import models
from django.utils.translation import gettext_lazy as _


class AdministrationKind(models.TextChoices):
    CUSTOMS = "customs", _("Customs administration")
    ENVIRONMENT = "environment", _("Environment agency")
    POLICE = "police", _("Police")
    INTERNATIONAL = "international", _("International organisation")
    RILO = "rilo", _("Regional Intelligence Liaison Office")
    SECRETARIAT = "secretariat", _("Secretariat")

    @classmethod
    def national(cls) -> list[str]:
        """Kinds that belong to one country and must name it."""
        return [cls.CUSTOMS, cls.ENVIRONMENT, cls.POLICE]


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    COORDINATOR = "coordinator", _("Coordinator")
    NATIONAL_CONTACT = "national_contact", _("National contact point")
    OFFICER = "officer", _("Officer")
    ANALYST = "analyst", _("Analyst")
    OBSERVER = "observer", _("Observer")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the national contact point")
    ENDORSED = "endorsed", _("Endorsed, waiting for the secretariat")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")

    @classmethod
    def open(cls) -> list[str]:
        """Requests still waiting for a decision."""
        return [cls.PENDING, cls.ENDORSED]


class DeactivationReason(models.TextChoices):
    INACTIVITY = "inactivity", _("Not used for too long")
    CONTACT_POINT = "contact_point", _("Deactivated by a contact point or the secretariat")
