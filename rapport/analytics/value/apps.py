from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsValueConfig(AppConfig):
    name = "rapport.analytics.value"
    label = "analytics_value"
    verbose_name = _("Customer value")
