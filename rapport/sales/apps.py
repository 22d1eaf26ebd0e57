from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        # Each part words its own timeline entry kinds and subscribes to the events it needs.
        from rapport.sales import handlers

        handlers.register()
