from django.urls import path

from rapport.activities import calendar_views, collab_views, task_views, views

app_name = "activities"
urlpatterns = [
    path("interactions/", views.interaction_list, name="interaction_list"),
    path("persons/<int:pk>/timeline/", views.person_timeline, name="person_timeline"),
    path("companies/<int:pk>/timeline/", views.company_timeline, name="company_timeline"),
    path(
        "persons/<int:pk>/interactions/new/",
        views.person_log_interaction,
        name="person_log_interaction",
    ),
    path(
        "companies/<int:pk>/interactions/new/",
        views.company_log_interaction,
        name="company_log_interaction",
    ),
    path("tasks/", task_views.task_list, name="task_list"),
    path("tasks/new/", task_views.task_create, name="task_create"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/complete/", task_views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", task_views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", task_views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/subject/", task_views.task_subject, name="task_subject"),
    path("persons/<int:pk>/tasks/", task_views.person_tasks, name="person_tasks"),
    path("companies/<int:pk>/tasks/", task_views.company_tasks, name="company_tasks"),
    path("notifications/", task_views.notification_list, name="notification_list"),
    path("notifications/read/", task_views.notifications_read_all, name="notifications_read_all"),
    path("notifications/bell/", task_views.notification_bell, name="notification_bell"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("mentions/", collab_views.mention_suggestions, name="mention_suggestions"),
    path("announcements/", collab_views.announcement_list, name="announcement_list"),
    path("announcements/new/", collab_views.announcement_create, name="announcement_create"),
    path("announcements/banner/", collab_views.announcement_banner, name="announcement_banner"),
    path("announcements/<int:pk>/", collab_views.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/read/", collab_views.announcement_read, name="announcement_read"),
    path(
        "announcements/<int:pk>/delete/",
        collab_views.announcement_delete,
        name="announcement_delete",
    ),
]
