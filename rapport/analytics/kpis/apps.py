from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsKpisConfig(AppConfig):
    name = "rapport.analytics.kpis"
    label = "analytics_kpis"
    verbose_name = _("KPIs")
