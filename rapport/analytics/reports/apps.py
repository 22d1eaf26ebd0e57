from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsReportsConfig(AppConfig):
    name = "rapport.analytics.reports"
    label = "analytics_reports"
    verbose_name = _("Reports")

    def ready(self):
        from rapport.analytics.reports.mailing import register
        from rapport.analytics.reports.subjects import register_subjects

        register_subjects()
        register()
