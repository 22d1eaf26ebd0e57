from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "rapport.dataio"
    label = "dataio"
    verbose_name = _("Data import and export")

    def ready(self):
        # Imported here because they need the models, which are loaded only after this module.
        # The jobs subscribe to the events by which the services ask for them (events.py); the
        # merge registers the titles of its timeline entries, which the timeline needs even in a
        # process that never loaded dataio's URLs or API.
        from rapport.customers.duplicates import register_duplicate_check
        from rapport.dataio import tasks  # noqa: F401
        from rapport.dataio.selectors.dedup import likely_duplicates
        from rapport.dataio.services.dedup import merge  # noqa: F401

        # The person form and the API warn of likely duplicates through customers' hook.
        register_duplicate_check(likely_duplicates)
