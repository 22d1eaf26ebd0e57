from django.urls import path

from rapport.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("state/", views.inbox_state, name="inbox_state"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/poll/", views.poll, name="poll"),
    path("w/<str:key>/labels", views.widget_labels, name="widget_labels"),
    path("w/<str:key>/suggest", views.widget_suggest, name="widget_suggest"),
    path("w/<str:key>/deflected", views.widget_deflected, name="widget_deflected"),
    path("w/<str:key>/start", views.widget_start, name="widget_start"),
    path("w/<str:key>/send", views.widget_send, name="widget_send"),
    path("w/<str:key>/end", views.widget_end, name="widget_end"),
    path("w/<str:key>/poll", views.widget_poll, name="widget_poll"),
]
