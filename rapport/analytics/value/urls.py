"""The customer value pages, mounted under /analytics/value/."""

app_name = "analytics_value"

urlpatterns: list = []
