"""The customer value pages, mounted under /analytics/value/."""

from django.urls import path

from rapport.analytics.value import views

app_name = "analytics_value"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("profit/", views.profit, name="profit"),
    path("expenses/", views.expense_list, name="expense_list"),
    path("expenses/<int:pk>/delete/", views.expense_delete, name="expense_delete"),
    path("persons/<int:pk>/expenses/", views.person_expense_create, name="person_expense_create"),
    path(
        "companies/<int:pk>/expenses/", views.company_expense_create, name="company_expense_create"
    ),
    path("deals/<int:pk>/expenses/", views.deal_expense_create, name="deal_expense_create"),
    path("settings/", views.settings_page, name="settings"),
]
