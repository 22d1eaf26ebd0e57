from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsFactsConfig(AppConfig):
    name = "rapport.analytics.facts"
    label = "analytics_facts"
    verbose_name = _("Analytics facts")

    def ready(self):
        from rapport.analytics.facts import handlers

        handlers.register()
