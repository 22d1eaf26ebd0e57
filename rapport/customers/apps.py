from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # The lists offered as saved views (accounts validates views against them).
        from rapport.customers import list_specs

        list_specs.register()
