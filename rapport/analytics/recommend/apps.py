from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsRecommendConfig(AppConfig):
    name = "rapport.analytics.recommend"
    label = "analytics_recommend"
    verbose_name = _("Recommendations")

    def ready(self):
        # Imported here because they need the models, loaded only after this module.
        from rapport.analytics.recommend import registrations, tasks  # noqa: F401

        registrations.register()
