"""The REST API at /api/v1: one NinjaAPI mounting each app's router.

OpenAPI 3.1 is served at /api/v1/openapi.json and the interactive docs at /api/v1/docs, from
the swagger-ui files django-ninja ships (collected as static files; nothing from a CDN).
"""

import functools

from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from ninja import NinjaAPI, Swagger

from rapport.accounts.api import audit_router
from rapport.accounts.saved_view_api import saved_views_router
from rapport.activities.announcement_api import announcements_router
from rapport.activities.api import (
    interactions_router,
    notifications_router,
    tasks_router,
    timeline_router,
)
from rapport.analytics.api import routers as analytics_routers
from rapport.api.auth import api_auth
from rapport.api.errors import (
    install_error_handlers,
    method_not_allowed_response,
    not_found_response,
)
from rapport.automation.api import routers as automation_routers
from rapport.behaviour.api import routers as behaviour_routers
from rapport.chat.api import routers as chat_routers
from rapport.core.api_schemas import document_common_errors
from rapport.customers.api import (
    companies_router,
    custom_fields_router,
    persons_router,
    tags_router,
)
from rapport.dataio.api import routers as dataio_routers
from rapport.inbox.api import routers as inbox_routers
from rapport.integration.api import routers as integration_routers
from rapport.knowledge.api import routers as knowledge_routers
from rapport.messaging.api import routers as messaging_routers
from rapport.sales.api import routers as sales_routers
from rapport.service.api import routers as service_routers
from rapport.surveys.api import routers as surveys_routers
from rapport.webhooks.api import routers as webhooks_routers


def _json_errors_outside_operations(view):
    """ninja answers a wrong method with a plain-text 405; ours is JSON like every other error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            # ninja's root view (/api/v1/) raises it outside the API's error handlers.
            return not_found_response()
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return method_not_allowed_response(allowed)
        return response

    return wrapper


def _unknown_endpoint(request, *args, **kwargs):
    return not_found_response()


_unknown_endpoint.csrf_exempt = True


class RapportAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_common_errors(schema)

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_errors_outside_operations(pattern.callback)
        # Last, so that any other path under /api/v1/ answers a JSON 404, not an HTML page.
        # `[\s\S]`, not `.`, so that a path holding a newline (%0A) is caught too.
        urls.append(re_path(r"^[\s\S]*$", _unknown_endpoint, name="unknown-endpoint"))
        return urls


api = RapportAPI(
    title="Rapport API",
    version="1",
    # Every operation tag is named here (a test holds it to that), so a new resource group
    # shows up in the description as well as in the list of operations.
    description=(
        "The records of a Rapport CRM, grouped as in the application:\n\n"
        "- **Customers**: persons, companies, their interactions and timeline, tags and "
        "custom fields.\n"
        "- **Work**: tasks, notifications and announcements.\n"
        "- **Sales**: leads (with their history, conversion and assignment) and lead settings "
        "(scoring rules, assignment rules, web forms); deals, pipelines with their stages and "
        "lost reasons, quotas and sales reports (the forecast, the leaderboard, quota "
        "attainment); products, price lists, orders, payments, refunds and receivables. Money "
        "totals over several currencies give each currency's amount and the sum converted "
        "into the reporting currency at the exchange rates administrators keep.\n"
        "- **Service**: tickets from every channel with their conversation (replies sent by "
        "e-mail, internal notes), statuses, assignment (one or many) and merging; the "
        "knowledge base (articles in Chinese and English, search that understands both); "
        "surveys (CSAT after a ticket, NPS rounds) and their responses; web chats (taking, "
        "answering and closing them).\n"
        "- **Data**: imports (with saved column mappings, dry runs and undo), duplicates and "
        "merge (with undo), exports, bulk actions, data health and backups.\n"
        "- **Messaging**: e-mail messages (the outbox and what was sent, opened and "
        "clicked), e-mail templates with their preview, a person's consent per channel and "
        "the suppressions list.\n"
        "- **Events**: behaviour events from websites and apps (page views, carts, sign-ups, "
        "custom names), in batches of up to 1,000, and identifying a visitor.\n"
        "- **Automation**: rules (trigger, conditions, actions) with their dry runs and runs, "
        "and webhooks (subscriptions to record events, their signed deliveries).\n"
        "- **Integration**: external ids (create-or-update by another system's keys), batches "
        "of up to 500 records with a result each, and the feed of changes in commit order; "
        "every POST takes an `Idempotency-Key` header.\n"
        "- **Administration**: the audit log and exchange rates.\n"
        "- **Preferences**: saved views (a list's filters, sort and columns, as tabs).\n\n"
        "Authenticate with an API key (`Authorization: Bearer rpk_…` or `X-API-Key: rpk_…`), "
        "created under Account → API keys; a key acts with its user's permissions and sees "
        "what the user sees in the application. "
        "Errors are `{code, message, details}`. Lists are keyset-paginated: follow "
        "`next_cursor` with `?cursor=`."
    ),
    urls_namespace="api",
    auth=api_auth,
    # Swagger UI would otherwise send the schema to validator.swagger.io for its badge.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)

for router in (
    persons_router,
    companies_router,
    interactions_router,
    timeline_router,
    tasks_router,
    notifications_router,
    announcements_router,
    tags_router,
    custom_fields_router,
    audit_router,
    saved_views_router,
):
    api.add_router("", router)
for router in sales_routers:
    api.add_router("", router)
for router in dataio_routers:
    api.add_router("", router)
for routers in (
    messaging_routers,
    inbox_routers,
    service_routers,
    surveys_routers,
    chat_routers,
    behaviour_routers,
    webhooks_routers,
    knowledge_routers,
    automation_routers,
    integration_routers,
    analytics_routers,
):
    for router in routers:
        api.add_router("", router)
