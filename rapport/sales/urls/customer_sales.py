from django.urls import path

from rapport.sales.views import customer_sales, timelines

urlpatterns = [
    path("persons/<int:pk>/sales/", customer_sales.person_sales, name="person_sales"),
    path("companies/<int:pk>/sales/", customer_sales.company_sales, name="company_sales"),
    path("deals/<int:pk>/timeline/", timelines.deal_timeline, name="deal_timeline"),
    path(
        "deals/<int:pk>/interactions/new/",
        timelines.deal_log_interaction,
        name="deal_log_interaction",
    ),
    path("leads/<int:pk>/history/page/", timelines.lead_history, name="lead_history"),
]
