from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "rapport.inbox"
    label = "inbox"
    verbose_name = _("Inbox")

    def ready(self):
        # Imported here because it needs the models, loaded only after this module.
        from rapport.inbox import handlers

        handlers.register()
