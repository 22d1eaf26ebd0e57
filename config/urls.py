from django.contrib import admin
from django.urls import include, path

from rapport.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("rapport.accounts.urls")),
    path("", include("rapport.customers.urls")),
    path("", include("rapport.activities.urls")),
    path("sales/", include("rapport.sales.urls")),
    path("service/", include("rapport.service.urls")),
    path("support/", include("rapport.service.web_form_urls")),
    path("data/", include("rapport.dataio.urls")),
    path("messaging/", include("rapport.messaging.urls")),
    path("inbox/", include("rapport.inbox.urls")),
    path("behaviour/", include("rapport.behaviour.urls")),
    path("webhooks/", include("rapport.webhooks.urls")),
    path("knowledge/", include("rapport.knowledge.urls")),
    path("help/", include("rapport.knowledge.help_urls")),
    path("automation/", include("rapport.automation.urls")),
    path("integration/", include("rapport.integration.urls")),
    path("surveys/", include("rapport.surveys.urls")),
    path("chat/", include("rapport.chat.urls")),
    path("analytics/facts/", include("rapport.analytics.facts.urls")),
    path("analytics/value/", include("rapport.analytics.value.urls")),
    path("analytics/lifetime/", include("rapport.analytics.lifetime.urls")),
    path("analytics/churn/", include("rapport.analytics.churn.urls")),
    path("analytics/recommend/", include("rapport.analytics.recommend.urls")),
    path("analytics/reports/", include("rapport.analytics.reports.urls")),
    path("analytics/kpis/", include("rapport.analytics.kpis.urls")),
    path("analytics/", include("rapport.analytics.urls")),
    path("", include("rapport.surveys.public_urls")),
    path("", include("rapport.web.urls")),
]
