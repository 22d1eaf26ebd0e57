"""The lifetime value pages, mounted under /analytics/lifetime/."""

app_name = "analytics_lifetime"

urlpatterns: list = []
