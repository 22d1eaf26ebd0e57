"""Timeline wording and event subscriptions of the service app.

Imported by `ServiceConfig.ready()`, once every model is loaded.
"""


def register() -> None:
    pass
