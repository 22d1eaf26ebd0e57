from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsChurnConfig(AppConfig):
    name = "rapport.analytics.churn"
    label = "analytics_churn"
    verbose_name = _("Churn risk")

    def ready(self):
        from rapport.activities.models import register_notification_wording
        from rapport.analytics.churn.panels import churn_section
        from rapport.analytics.churn.services import ALERT_KIND
        from rapport.analytics.panels import register_customer_section

        register_customer_section("churn", churn_section, order=30)
        register_notification_wording(
            ALERT_KIND,
            _("Risk of leaving rose: %(title)s"),
            _("The churn model now puts it at %(body)s."),
        )
