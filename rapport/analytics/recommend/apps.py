from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsRecommendConfig(AppConfig):
    name = "rapport.analytics.recommend"
    label = "analytics_recommend"
    verbose_name = _("Recommendations")
