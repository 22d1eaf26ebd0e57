from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "rapport.dataio"
    label = "dataio"
    verbose_name = _("Data import and export")

    def ready(self):
        # The merge registers the titles of its timeline entries; import it at startup so the
        # timeline words them even in a process that never loaded the dataio URLs or API.
        from rapport.dataio.services.dedup import merge  # noqa: F401
