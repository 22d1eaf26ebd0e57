"""The kpis pages, mounted under /analytics/kpis/."""

app_name = "analytics_kpis"

urlpatterns: list = []
