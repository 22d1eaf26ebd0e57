from django.urls import path

from rapport.accounts import saved_view_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="language"),
    path("notifications/", views.set_notification_delivery, name="notification_delivery"),
    path("calendar/", views.calendar_token, name="calendar_token"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("audit/", views.audit_log, name="audit_log"),
    path("views/", saved_view_views.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/update/", saved_view_views.saved_view_update, name="saved_view_update"),
    path("views/<int:pk>/delete/", saved_view_views.saved_view_delete, name="saved_view_delete"),
    path("list-columns/", saved_view_views.list_columns, name="list_columns"),
]
