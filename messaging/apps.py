from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """The communication layer: event log, push, channel posts, audiences, library and e-mail."""

    name = "messaging"
    default_auto_field = "django.db.models.BigAutoField"
