from django.urls import path

from rapport.behaviour import views

app_name = "behaviour"

urlpatterns = [
    path("collect/<str:key>", views.collect, name="collect"),
    path("site-keys/", views.site_key_list, name="site_key_list"),
    path("site-keys/new/", views.site_key_create, name="site_key_create"),
    path("site-keys/<int:pk>/", views.site_key_detail, name="site_key_detail"),
    path("site-keys/<int:pk>/delete/", views.site_key_delete, name="site_key_delete"),
    path("events/", views.event_list, name="event_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
]
