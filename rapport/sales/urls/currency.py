"""HTML routes of the exchange rates settings page."""

from django.urls import path

from rapport.sales.views import currency as views

urlpatterns = [
    path("settings/exchange-rates/", views.exchange_rates, name="exchange_rates"),
    path(
        "settings/exchange-rates/import/",
        views.exchange_rates_import,
        name="exchange_rates_import",
    ),
    path(
        "settings/exchange-rates/<int:pk>/edit/",
        views.exchange_rate_edit,
        name="exchange_rate_edit",
    ),
    path(
        "settings/exchange-rates/<int:pk>/delete/",
        views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
]
