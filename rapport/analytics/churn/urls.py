"""The churn risk pages, mounted under /analytics/churn/."""

app_name = "analytics_churn"

urlpatterns: list = []
