from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "rapport.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        # Imported here because they need the models, which are loaded only after this module.
        from rapport.surveys import handlers, records

        # Timeline wording and the ticket-resolved subscription (CSAT).
        handlers.register()
        # "survey_response" for rules, webhooks and the change feed (rapport.core.records).
        records.register()
