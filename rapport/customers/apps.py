from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # The lists offered as saved views (accounts validates views against them).
        from rapport.customers import list_specs, records

        list_specs.register()
        # The record types rules, webhooks and the change feed know (rapport.core.records).
        records.register()
