from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BehaviourConfig(AppConfig):
    name = "rapport.behaviour"
    label = "behaviour"
    verbose_name = _("Behaviour events")

    def ready(self):
        # A visit's timeline entry is worded at read time, in the reader's language.
        from rapport.behaviour import timeline

        timeline.register()
