from django.urls import path

from rapport.activities import task_views, views

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
]
