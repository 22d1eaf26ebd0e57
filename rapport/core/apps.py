from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"

    def ready(self):
        # Registers the job consumer's startup hook that `manage.py serve` waits for.
        from rapport.core import job_consumer  # noqa: F401
