from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsValueConfig(AppConfig):
    name = "rapport.analytics.value"
    label = "analytics_value"
    verbose_name = _("Customer value")

    def ready(self):
        from rapport.analytics.panels import register_customer_section, register_deal_section
        from rapport.analytics.value import handlers, hooks
        from rapport.analytics.value.panels import deal_expenses_section, value_section

        register_customer_section("value", value_section, order=10)
        register_deal_section("expenses", deal_expenses_section, order=10)
        handlers.register()
        hooks.register()
