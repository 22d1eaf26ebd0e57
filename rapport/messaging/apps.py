from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "rapport.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        # The delivery job subscribes to MessageQueued; the built-in merge sources and the
        # timeline wording of sent mail are registered here.
        from rapport.messaging import builtin, tasks, transport  # noqa: F401

        builtin.register()
        # A malformed RAPPORT_EMAIL_URL stops the start-up, not the first e-mail an hour later.
        transport.smtp_config()
