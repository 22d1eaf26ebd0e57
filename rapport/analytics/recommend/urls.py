"""The recommendations pages, mounted under /analytics/recommend/."""

app_name = "analytics_recommend"

urlpatterns: list = []
