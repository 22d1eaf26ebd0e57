from django.urls import path

from rapport.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_create, name="article_create"),
    path("<int:pk>/", views.article_detail, name="article_detail"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("<int:pk>/delete/", views.article_delete, name="article_delete"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("suggest/", views.article_suggest, name="article_suggest"),
]
