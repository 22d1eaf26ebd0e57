"""The public help centre at /help/: no sign-in, published public articles only."""

from django.urls import path

from rapport.knowledge import help_views

app_name = "help"

urlpatterns = [
    path("", help_views.help_home, name="home"),
    path("search/", help_views.help_search, name="search"),
    path("c/<slug:slug>/", help_views.help_category, name="category"),
    path("a/<int:pk>/", help_views.help_article, name="article"),
    path("a/<int:pk>/vote/", help_views.help_vote, name="vote"),
    path("files/<int:pk>/", help_views.help_attachment, name="attachment"),
    path("deflected/", help_views.help_deflected, name="deflected"),
]
