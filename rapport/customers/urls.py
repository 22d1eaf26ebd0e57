from django.urls import path

from rapport.customers import views

app_name = "customers"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail_page, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/vcard/", views.person_vcard_download, name="person_vcard"),
    path("persons/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path(
        "persons/<int:pk>/raw-phones/<int:index>/",
        views.person_raw_phone,
        name="person_raw_phone",
    ),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/options/", views.company_options, name="company_options"),
    path("companies/<int:pk>/", views.company_detail_page, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("settings/tags/", views.tag_list, name="tag_list"),
    path("settings/tags/<int:pk>/", views.tag_edit, name="tag_edit"),
    path("settings/tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("settings/custom-fields/", views.custom_field_list, name="custom_field_list"),
    path("settings/custom-fields/new/", views.custom_field_create, name="custom_field_create"),
    path("settings/custom-fields/<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path(
        "settings/custom-fields/<int:pk>/delete/",
        views.custom_field_delete,
        name="custom_field_delete",
    ),
]
