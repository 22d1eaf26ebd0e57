"""HTML routes of the sales app, one module per part of the flow."""

from rapport.sales.urls import currency, customer_sales, deals, leads, orders

app_name = "sales"

urlpatterns = [
    *leads.urlpatterns,
    *deals.urlpatterns,
    *orders.urlpatterns,
    *customer_sales.urlpatterns,
    *currency.urlpatterns,
]
