from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rapport.web"
    label = "web"

    def ready(self):
        # Register every periodic job with Huey; the consumer only autodiscovers apps' tasks.py.
        import config.schedules  # noqa: F401
