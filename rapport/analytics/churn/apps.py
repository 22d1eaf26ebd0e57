from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsChurnConfig(AppConfig):
    name = "rapport.analytics.churn"
    label = "analytics_churn"
    verbose_name = _("Churn risk")
