"""The reports pages, mounted under /analytics/reports/."""

app_name = "analytics_reports"

urlpatterns: list = []
