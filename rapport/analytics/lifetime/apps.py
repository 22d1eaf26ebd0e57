from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsLifetimeConfig(AppConfig):
    name = "rapport.analytics.lifetime"
    label = "analytics_lifetime"
    verbose_name = _("Lifetime value")
