from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "rapport.integration"
    label = "integration"
    verbose_name = _("Integration")

    def ready(self):
        # The change feed's subscriber (rapport.integration.feed).
        from rapport.integration import handlers  # noqa: F401
