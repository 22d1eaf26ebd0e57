"""The service app's API routers, mounted by `rapport.api.api`."""

routers: list = []
