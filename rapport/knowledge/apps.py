from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "rapport.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from rapport.knowledge import records

        records.register()
