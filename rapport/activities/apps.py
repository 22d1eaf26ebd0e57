from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self):
        # Subscribe the timeline to the customers app's events, and offer the task list as
        # saved views (accounts validates views against it).
        from rapport.activities import handlers, list_specs, records  # noqa: F401

        list_specs.register()
        # The record types rules, webhooks and the change feed know (rapport.core.records).
        records.register()
