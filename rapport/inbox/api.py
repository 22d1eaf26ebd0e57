"""The inbox app's API routers, mounted by `rapport.api.api`."""

routers: list = []
