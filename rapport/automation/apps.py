from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "rapport.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        # The built-in trigger and action types, the subscriptions to record changes and to the
        # channels' events, and the wording of this app's timeline entries.
        from rapport.activities import timeline_kinds
        from rapport.automation import actions, handlers, timeline, triggers

        triggers.register()
        actions.register()
        handlers.subscribe_channel_events()
        timeline_kinds.register_title("automation.run", timeline.run_title)
