"""The service app's pages (the ticket list, queues and the ticket page come with the pages)."""

app_name = "service"

urlpatterns: list = []
