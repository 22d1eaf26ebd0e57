from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsLifetimeConfig(AppConfig):
    name = "rapport.analytics.lifetime"
    label = "analytics_lifetime"
    verbose_name = _("Lifetime value")

    def ready(self):
        # Imported here because they need the models, which are loaded only after this module.
        from rapport.analytics import panels
        from rapport.analytics.lifetime import lists, sections, tasks  # noqa: F401 (subscriptions)

        # Probability alive and expected value in the person and company lists (columns, a
        # filter).
        lists.register()

        panels.register_customer_section(
            "lifetime", sections.customer_lifetime, order=20, kinds=(panels.PERSON, panels.COMPANY)
        )
