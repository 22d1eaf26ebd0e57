"""The analytics facts pages, mounted under /analytics/facts/."""

app_name = "analytics_facts"

urlpatterns: list = []
