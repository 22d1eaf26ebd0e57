from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "rapport.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # The outbox subscriber (record changes) and the job sending what it wrote.
        from rapport.activities.models import register_notification_wording
        from rapport.webhooks import handlers, tasks  # noqa: F401
        from rapport.webhooks.services import SWITCHED_OFF_BODY, SWITCHED_OFF_TITLE

        register_notification_wording("webhook.disabled", SWITCHED_OFF_TITLE, SWITCHED_OFF_BODY)
