from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "rapport.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # The outbox subscriber (record changes) and the job sending what it wrote.
        from rapport.webhooks import handlers, tasks  # noqa: F401
