from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "rapport.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        # Imported here because they need the models, which are loaded only after this module.
        from rapport.service import handlers, list_specs, records, sla_events

        # Timeline wording and the inbound e-mail and customer subscriptions.
        handlers.register()
        # The record types rules, webhooks and the change feed know (rapport.core.records).
        records.register()
        # The ticket list's filters and columns, for saved views (rapport.accounts.list_specs).
        list_specs.register()
        # The ticket search's SQLite triggers, back after a migration rebuilt the table.
        from rapport.service.search import repair_after_migrate

        post_migrate.connect(repair_after_migrate, sender=self)
        # SLA clocks follow the tickets' changes; the check's notifications are worded.
        sla_events.register()
