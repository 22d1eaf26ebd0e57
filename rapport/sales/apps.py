from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        # Imported here because they need the models, which are loaded only after this module.
        # Each part words its own timeline entry kinds and subscribes to the events it needs;
        # the jobs subscribe to the events by which the services ask for them.
        from rapport.sales import handlers, tasks  # noqa: F401

        handlers.register()

        # The lists offered as saved views (accounts validates views against them).
        from rapport.sales import list_specs, records

        list_specs.register()
        # The record types rules, webhooks and the change feed know (rapport.core.records).
        records.register()
        # The "order" merge fields of e-mail templates (rapport.messaging.merge_fields).
        from rapport.sales import email_merge

        email_merge.register()
