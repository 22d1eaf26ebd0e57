"""Another team's records stay out of reach on every route, HTML and API (issue 10).

The routes are read from the URL configuration and from the API's OpenAPI description, so a route
is checked the day it is added. charlie (West) owns one record of every kind, each named with the
marker "WEST-SECRET-<kind>"; alice (East) is the caller:

- a route with a record id in its path, built for charlie's record, answers 404 (403/405 where it
  is not a read) to GET, and 403/404/405/422 to POST/PATCH/PUT/DELETE, never 200 nor 500, and the
  record is left as it was;
- a route without a record id (lists, search, exports, reports) never shows the marker.

Every path parameter must be named in `PARAMETERS` (or its route in `NOT_CHECKED`): a new route
with an unknown parameter fails `test_every_route_parameter_is_mapped` until it is added there.
"""

import fnmatch
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from rapport.accounts.models import ApiKey
from rapport.accounts.saved_view_services import saved_view_create
from rapport.accounts.services import api_key_create
from rapport.activities.announcements import announcement_create
from rapport.activities.services import interaction_create, notification_create
from rapport.activities.task_services import task_create
from rapport.analytics.churn.models import ChurnModelRun, ChurnScore
from rapport.analytics.reports.services import saved_report_create
from rapport.analytics.value.services.expenses import expense_create
from rapport.api.api import api
from rapport.behaviour.models import Event, Visit
from rapport.behaviour.services import events_ingest, site_key_create
from rapport.chat.services import agent_seen, chat_start, chat_take
from rapport.customers.services import company_create, person_create, tag_create
from rapport.dataio.models import DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.bulk import bulk_action_start, bulk_selection
from rapport.dataio.services.dedup.merge import person_merge
from rapport.dataio.services.dedup.scan import duplicates_scan
from rapport.dataio.services.exports.kinds import EXPORT_KINDS
from rapport.dataio.services.imports import jobs
from rapport.inbox.services import inbound_receive
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders import order_create
from rapport.sales.services.orders.payments import payment_record
from rapport.sales.services.quotas import quota_set
from rapport.service.services import ticket_create, ticket_note

MARKER = "WEST-SECRET"

# Owned kinds belong to a team: alice must get 404 for charlie's. Shared kinds are the company's
# settings and catalogue (tags, pipelines, products…): every rep may read them, so their routes
# are only held to "never a 500" here; who may change them is tested in their apps.
SHARED = "shared"

# Which record a path parameter stands for: (route name pattern, parameter, kind); the first
# matching row wins. Route names are "namespace:name" for HTML and "api:<operationId>" for the
# API. Add a row when a route brings a new parameter.
PARAMETERS = [
    ("api:*", "person_id", "person"),
    ("api:*", "company_id", "company"),
    ("api:*", "interaction_id", "interaction"),
    ("api:*", "task_id", "task"),
    ("api:*", "announcement_id", "announcement"),
    ("api:*", "lead_id", "lead"),
    ("api:*", "deal_id", "deal"),
    ("api:*", "order_id", "order"),
    ("api:*", "payment_id", "payment"),
    ("api:*", "job_id", "import_job"),
    ("api:*", "mapping_id", "saved_mapping"),
    ("api:*", "candidate_id", "duplicate"),
    ("api:*", "merge_id", "merge"),
    ("api:*", "quota_id", "quota"),
    ("api:*", "view_id", "saved_view"),
    ("api:*", "tag_id", SHARED),
    ("api:*", "definition_id", SHARED),
    ("api:*", "rule_id", SHARED),
    # An automation rule's run: read under its rule, which only administrators see.
    ("api:*", "run_id", SHARED),
    ("api:*", "form_id", SHARED),
    ("api:*", "pipeline_id", SHARED),
    ("api:*", "stage_id", SHARED),
    ("api:*", "reason_id", SHARED),
    ("api:*", "product_id", SHARED),
    ("api:*", "price_list_id", SHARED),
    ("api:*", "rate_id", SHARED),
    # Webhook subscriptions and their deliveries are a shared setting (administrators only).
    ("api:*", "subscription_id", SHARED),
    ("api:*", "delivery_id", SHARED),
    ("api:*", "record_type", "export_kind"),
    # External ids (integration): a record's ids under its kind; a record found by another
    # system's id follows the visibility rule (rapport/integration/tests/test_upsert.py).
    ("api:persons_external_ids_*", "record_id", "person"),
    ("api:companies_external_ids_*", "record_id", "company"),
    ("api:orders_external_ids_*", "record_id", "order"),
    ("api:payments_external_ids_*", "record_id", "payment"),
    ("api:products_external_ids_*", "record_id", SHARED),
    ("api:*", "system", SHARED),
    ("api:*", "external_id", SHARED),
    ("api:*batch_upsert", "kind", SHARED),
    ("api:*", "bulk_action_id", "bulk_action"),
    ("api:*", "list_name", SHARED),
    ("api:*", "action_name", SHARED),
    ("accounts:api_key_*", "pk", "api_key"),
    ("accounts:saved_view_*", "pk", "saved_view"),
    ("customers:person_*", "pk", "person"),
    # The position of a number kept as imported: any small number reaches the route's own code.
    ("customers:person_raw_phone*", "index", SHARED),
    ("customers:company_*", "pk", "company"),
    ("customers:tag_*", "pk", SHARED),
    ("customers:custom_field_*", "pk", SHARED),
    ("activities:person_*", "pk", "person"),
    ("activities:company_*", "pk", "company"),
    ("activities:task_*", "pk", "task"),
    ("activities:announcement_*", "pk", "announcement"),
    ("sales:lead_scoring_rule_*", "pk", SHARED),
    ("sales:lead_assignment_rule_*", "pk", SHARED),
    ("sales:lead_form_*", "pk", SHARED),
    ("sales:lead_*", "pk", "lead"),
    ("sales:deal_*", "pk", "deal"),
    ("sales:order_from_deal", "deal_pk", "deal"),
    ("sales:order_*", "pk", "order"),
    ("sales:person_sales", "pk", "person"),
    ("sales:company_sales", "pk", "company"),
    ("analytics:person_insights", "pk", "person"),
    ("analytics:company_insights", "pk", "company"),
    ("analytics:deal_insights", "pk", "deal"),
    ("analytics_churn:person_*", "pk", "person"),
    ("analytics_churn:company_*", "pk", "company"),
    # A sales expense is as visible as its customer (it carries their owner and team).
    ("analytics_value:expense_*", "pk", "sales_expense"),
    ("analytics_value:person_*", "pk", "person"),
    ("analytics_value:company_*", "pk", "company"),
    ("analytics_value:deal_*", "pk", "deal"),
    # A saved report is its owner's unless shared with a team or role; running it counts only
    # what the reader may see.
    ("analytics_reports:saved_*", "pk", "saved_report"),
    ("analytics_reports:export", "file_format", SHARED),
    ("sales:quota_*", "pk", "quota"),
    ("sales:kanban", "pk", SHARED),
    ("sales:kanban_column", "stage_pk", SHARED),
    ("sales:pipeline_*", "pk", SHARED),
    ("sales:stage_*", "pk", SHARED),
    ("sales:lost_reason_*", "pk", SHARED),
    ("sales:exchange_rate_*", "pk", SHARED),
    ("sales:product_*", "pk", SHARED),
    ("sales:price_list_*", "pk", SHARED),
    ("sales:price_list_*", "product_pk", SHARED),
    # Rules are a shared setting (administrators only); a ready-made rule is named by its key.
    ("automation:rule_*", "pk", SHARED),
    ("automation:preset_*", "key", SHARED),
    ("dataio:import_*", "job_id", "import_job"),
    ("dataio:duplicate_*", "pk", "duplicate"),
    ("dataio:merge_undo", "pk", "merge"),
    ("dataio:merge_*_person", "a", "person"),
    ("dataio:merge_persons", "a", "person"),
    ("dataio:merge_persons", "b", "twin"),
    ("dataio:merge_*_company", "a", "company"),
    ("dataio:merge_companies", "a", "company"),
    ("dataio:merge_companies", "b", "company_twin"),
    ("dataio:export_*", "record_type", "export_kind"),
    ("dataio:bulk_*", "pk", "bulk_action"),
    ("webhooks:*", "pk", SHARED),
    # The outbox, e-mail templates and the suppression list are administrators' settings.
    ("api:*", "message_id", SHARED),
    ("api:*", "template_id", SHARED),
    ("api:*", "suppression_id", SHARED),
    ("messaging:person_consent", "person_pk", "person"),
    ("messaging:message_*", "message_pk", SHARED),
    ("messaging:template_*", "template_pk", SHARED),
    ("messaging:suppression_*", "suppression_pk", SHARED),
    # Inbound mail is the administrators'; an attachment is as visible as its person.
    ("inbox:inbound_*", "inbound_pk", SHARED),
    ("inbox:attachment_download", "attachment_pk", "inbound_attachment"),
    # Site keys and the events list are administrators'; a visit is as visible as its person.
    ("behaviour:site_key_*", "pk", SHARED),
    ("behaviour:visit_detail", "pk", "visit"),
    # Surveys are administrators' settings; their answers are listed by the rating's rule.
    ("surveys:survey_*", "pk", SHARED),
    ("api:*", "survey_id", SHARED),
    # Tickets follow their team's queue (and a complaint its customer's owner); their
    # attachments follow the ticket. Categories, canned replies, assignment rules and agent
    # profiles are administrators' settings.
    ("service:ticket_*", "pk", "ticket"),
    ("service:canned_reply_insert", "pk", "ticket"),
    ("service:attachment_download", "pk", "ticket_attachment"),
    ("service:category_*", "pk", SHARED),
    ("service:canned_reply_*", "pk", SHARED),
    ("service:assignment_rule_*", "pk", SHARED),
    ("service:agent_*", "user_id", SHARED),
    # Support forms (the public ticket forms) are administrators' settings.
    ("service:support_form_*", "pk", SHARED),
    # SLA policies, business hours and holiday calendars are administrators' settings.
    ("service:sla_policy_*", "pk", SHARED),
    ("service:business_hours_*", "pk", SHARED),
    ("service:holiday_calendar_*", "pk", SHARED),
    ("api:*", "ticket_id", "ticket"),
    ("api:*", "report_id", "saved_report"),
    ("api:*", "expense_id", "sales_expense"),
    # The knowledge base is one for the whole company (internal articles for every user).
    ("knowledge:*", "pk", SHARED),
    ("api:*", "article_id", SHARED),
    # A chat an agent took is theirs; waiting chats are open to every agent.
    ("chat:*", "pk", "chat"),
    ("api:*", "chat_id", "chat"),
    # A dashboard is named by its key ("rep", "manager"…), not a record; its numbers are
    # checked by test_dashboards_never_count_other_team_records.
    ("analytics:dashboard", "key", SHARED),
    ("analytics:layout_change", "key", SHARED),
]

# Routes this test does not call, and why.
NOT_CHECKED = {
    # Django's admin admits staff only; alice is not staff (test_admin_turns_away_a_rep).
    "admin:*": "staff only",
    # The API is enumerated from its OpenAPI description instead of its URL patterns.
    "api:*": "see the OpenAPI routes",
    # Would end alice's session halfway through the test; holds no records.
    "accounts:logout": "ends the session",
    # Public lead form, found by its unguessable key; shows no record.
    "sales:lead_form_public": "public form",
    "sales:lead_form_thanks": "public form",
    # A user's calendar feed, found by its unguessable token; no session is read.
    "activities:calendar_feed": "public feed",
    # Links inside e-mails, found by a signed token; no session is read.
    "messaging:unsubscribe": "signed e-mail link",
    "messaging:open": "signed e-mail link",
    "messaging:click": "signed e-mail link",
    "survey_answer": "signed e-mail link",
    # A website's events endpoint, found by its site key and checked against its origins.
    "behaviour:collect": "public endpoint",
    # The public support form, help centre and chat widget: found by an unguessable key or
    # public by design, they show no team's records (their own tests check what they show).
    "service_public:*": "public form",
    "help:*": "public help centre",
    "chat:widget_*": "public widget endpoint",
}

UNSAFE_METHODS = ("post", "put", "patch", "delete")
DENIED_READ = {403, 404, 405}
DENIED_WRITE = {403, 404, 405, 422}
MISSING_ID = 999_999_999
SEARCH = {"q": "secret"}  # matches every marker ("WEST-SECRET-…") by name or by text


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # with {parameter} placeholders
    parameters: tuple[str, ...]
    is_api: bool


_DJANGO_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_API_PARAMETER = re.compile(r"\{(?:\w+:)?(\w+)\}")


def _django_routes(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _django_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or ''}", prefix + str(pattern.pattern)


def html_routes() -> list[Route]:
    routes = []
    for name, raw in _django_routes(get_resolver().url_patterns):
        if _not_checked(name):
            continue
        path = "/" + _DJANGO_PARAMETER.sub(r"{\1}", raw)
        parameters = tuple(_DJANGO_PARAMETER.findall(raw))
        routes.append(Route(name, "get", path, parameters, is_api=False))
    return routes


def api_routes() -> list[Route]:
    routes = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            parameters = tuple(_API_PARAMETER.findall(path))
            name = f"api:{operation['operationId']}"
            routes.append(Route(name, method, _API_PARAMETER.sub(r"{\1}", path), parameters, True))
    return routes


def _not_checked(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in NOT_CHECKED)


def kind_of(route: Route, parameter: str) -> str | None:
    for pattern, name, kind in PARAMETERS:
        if name == parameter and fnmatch.fnmatchcase(route.name, pattern):
            return kind
    return None


def _record_kinds(route: Route) -> list[str]:
    return [k for p in route.parameters if (k := kind_of(route, p)) not in (None, "export_kind")]


# --- charlie's records ---------------------------------------------------------------------------


@pytest.fixture
def west_records(admin_user, charlie, settings, tmp_path):
    """One record of every kind, owned by charlie (West), each carrying the marker."""
    settings.RAPPORT_IMPORT_DIR = tmp_path / "imports"
    phone = {"phones": [{"number": "13911112222"}]}
    company = company_create(actor=charlie, data={"name": f"{MARKER}-company"})
    company_twin = company_create(actor=charlie, data={"name": f"{MARKER}-company-twin"})
    person = person_create(
        actor=charlie,
        data={
            "full_name": f"{MARKER}-person",
            "employments": [{"company_id": company.pk, "is_primary": True}],
            **phone,
        },
    )
    twin = person_create(actor=charlie, data={"full_name": f"{MARKER}-person", **phone})
    merged = person_create(actor=charlie, data={"full_name": f"{MARKER}-merged"})
    merge = person_merge(
        actor=charlie,
        survivor=person_create(actor=charlie, data={"full_name": f"{MARKER}-survivor"}),
        other=merged,
    )
    duplicates_scan(record_type=DuplicateRecordType.PERSON)
    interaction = interaction_create(
        actor=charlie,
        person=person,
        data={"channel": "call", "subject": f"{MARKER}-interaction", "content": MARKER},
    )
    task = task_create(actor=charlie, data={"title": f"{MARKER}-task", "person_id": person.pk})
    lead = lead_create(actor=charlie, data={"full_name": f"{MARKER}-lead"})
    deal = deal_create(
        actor=charlie,
        data={"title": f"{MARKER}-deal", "person_id": person.pk, "company_id": company.pk},
    )
    order = order_create(
        actor=charlie,
        data={
            "person_id": person.pk,
            "lines": [{"description": f"{MARKER}-order", "quantity": 1, "unit_price": "100.00"}],
        },
    )
    payment = payment_record(actor=charlie, order=order, amount="40.00", reference=MARKER)
    job = jobs.import_upload(
        actor=charlie,
        file=SimpleUploadedFile("west.csv", f"姓名\n{MARKER}-row\n".encode()),
        original_name=f"{MARKER}-import.csv",
    )
    saved_mapping = jobs.import_mapping_save(
        actor=charlie,
        name=f"{MARKER}-mapping",
        target="persons",
        mapping={"姓名": "full_name"},
        defaults={},
        mode="create",
        match_on="email",
    )
    quota = quota_set(
        actor=admin_user,
        data={"user_id": charlie.pk, "period": "month", "period_start": "2026-01-01", "amount": 1},
    )
    notification_create(recipient=charlie, kind="task.assigned", title=f"{MARKER}-notification")
    api_key, _secret = api_key_create(user=charlie, name=f"{MARKER}-key")
    saved_view = saved_view_create(
        actor=charlie,
        data={"list_key": "leads", "name": f"{MARKER}-view", "visibility": "team"},
    )
    bulk_action = bulk_action_start(
        actor=charlie,
        selection=bulk_selection(
            list_name="leads", action="create_task", scope="ids", ids=[lead.pk], query=""
        ),
        data={"title": f"{MARKER}-bulk-task"},
    )
    announcement = announcement_create(
        actor=admin_user, data={"title": f"{MARKER}-announcement", "team_id": charlie.team_id}
    )
    tag = tag_create(actor=admin_user, data={"name": "VIP"})
    mailer = f"{MARKER}@example.com".lower()
    person_create(
        actor=charlie, data={"full_name": f"{MARKER}-mailer", "emails": [{"email": mailer}]}
    )
    inbound = inbound_receive(
        mailbox="west",
        uidvalidity=1,
        uid=1,
        raw=(
            f"From: {mailer}\r\nSubject: {MARKER}-mail\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            'Content-Disposition: attachment; filename="west.txt"\r\n\r\n'
            f"{MARKER}\r\n--b--\r\n"
        ).encode(),
    )
    ticket = ticket_create(
        actor=charlie,
        data={
            "subject": f"{MARKER}-ticket",
            "body": MARKER,
            "person_id": person.pk,
            "team_id": charlie.team_id,
            "assignee_id": charlie.pk,
        },
    )
    note = ticket_note(
        actor=charlie,
        ticket=ticket,
        body=f"{MARKER}-note",
        attachments=[SimpleUploadedFile("west.txt", MARKER.encode(), "text/plain")],
    )
    site_key = site_key_create(
        actor=admin_user, data={"name": "West shop", "allowed_origins": ["https://west.example"]}
    )
    agent_seen(user=charlie)  # an agent online, so the chat waits for one instead of a ticket
    chat = chat_take(
        actor=charlie,
        session=chat_start(site_key=site_key, data={"question": f"{MARKER}-chat"}, ip="192.0.2.10"),
    )
    # Logging it computes the person's value too (the 20/80/30 page lists customers by name).
    expense = expense_create(
        actor=charlie,
        data={"kind": "gifts", "amount": "10.00", "person_id": person.pk, "note": MARKER},
    )
    # His person and company at risk of churning: the at-risk list must not name them to alice.
    churn_run = ChurnModelRun.objects.create(
        started_at=timezone.now(), as_of=timezone.now(), horizon_days=180, status="trained"
    )
    ChurnScore.objects.bulk_create(
        ChurnScore(run=churn_run, probability=0.9, scored_at=timezone.now(), **customer)
        for customer in ({"person": person}, {"company": company})
    )
    # Private to charlie, and grouped by customer: run by anyone else it would name his.
    saved_report = saved_report_create(
        actor=charlie,
        data={
            "name": f"{MARKER}-report",
            "definition": {"subject": "orders", "dimensions": ["customer"], "measures": ["count"]},
        },
    )
    records = {
        "saved_report": saved_report,
        "sales_expense": expense,
        "ticket": ticket,
        "ticket_attachment": note.attachments.get(),
        "chat": chat,
        "person": person,
        "twin": twin,
        "company": company,
        "company_twin": company_twin,
        "interaction": interaction,
        "task": task,
        "lead": lead,
        "deal": deal,
        "order": order,
        "payment": payment,
        "import_job": job,
        "saved_mapping": saved_mapping,
        "duplicate": DuplicateCandidate.objects.get(),
        "merge": merge,
        "quota": quota,
        "api_key": api_key,
        "saved_view": saved_view,
        "bulk_action": bulk_action,
        "inbound_attachment": inbound.attachments.get(),
        "visit": Visit.objects.get(
            pk=Event.objects.get(
                pk=events_ingest(
                    actor=charlie, events=[{"name": "page_viewed", "phone": "13911112222"}]
                ).event_ids[0]
            ).visit_id
        ),
        "announcement": announcement,
    }
    # A shared record of the same id space is enough to reach the routes' own code.
    records[SHARED] = tag
    return records


def _path(route: Route, records: dict, export_kind: str = "persons") -> str:
    values = {}
    for parameter in route.parameters:
        kind = kind_of(route, parameter)
        values[parameter] = export_kind if kind == "export_kind" else records[kind].pk
    return route.path.format(**values)


def _snapshot(records: dict) -> dict:
    return {
        kind: type(record).objects.filter(pk=record.pk).values().first()
        for kind, record in records.items()
        if kind != SHARED
    }


@pytest.fixture
def as_alice(alice):
    """alice in the browser (session) and through the API (her API key, so no CSRF in the way)."""
    browser = Client()
    browser.force_login(alice)
    _key, secret = api_key_create(user=alice, name="alice's script")
    integration = Client(headers={"Authorization": f"Bearer {secret}"})
    return lambda route: integration if route.is_api else browser


def _send(client: Client, method: str, path: str, route: Route, data=None):
    if route.is_api and method != "get":
        return getattr(client, method)(path, data="{}", content_type="application/json")
    return getattr(client, method)(path, data or {})


# --- the tests -----------------------------------------------------------------------------------


def test_every_route_parameter_is_mapped():
    unmapped = [
        f"{route.name} ({route.method.upper()} {route.path}): {parameter}"
        for route in html_routes() + api_routes()
        for parameter in route.parameters
        if kind_of(route, parameter) is None
    ]

    assert unmapped == [], (
        "Add these route parameters to PARAMETERS (or the route to NOT_CHECKED) in "
        "tests/security/test_cross_team_access.py:\n" + "\n".join(unmapped)
    )


def test_other_team_records_answer_404_to_reads(as_alice, west_records):
    leaks = []
    for route in html_routes() + api_routes():
        kinds = _record_kinds(route)
        if route.method != "get" or not kinds:
            continue
        path = _path(route, west_records)
        response = _send(as_alice(route), "get", path, route)
        owned = any(kind != SHARED for kind in kinds)
        if response.status_code >= 500 or (owned and response.status_code not in DENIED_READ):
            leaks.append(f"GET {path} ({route.name}) answered {response.status_code}")
        elif owned and MARKER in response.content.decode(errors="replace"):
            leaks.append(f"GET {path} ({route.name}) shows {MARKER}")

    assert leaks == [], "\n".join(leaks)


def test_other_team_records_refuse_changes(as_alice, west_records):
    before = _snapshot(west_records)
    failures = []
    for route in html_routes() + api_routes():
        kinds = _record_kinds(route)
        if not kinds:
            continue
        methods = UNSAFE_METHODS if not route.is_api else (route.method,)
        for method in methods:
            if method == "get":
                continue
            path = _path(route, west_records)
            response = _send(as_alice(route), method, path, route)
            owned = any(kind != SHARED for kind in kinds)
            if response.status_code >= 500 or (owned and response.status_code not in DENIED_WRITE):
                failures.append(f"{method.upper()} {path} ({route.name}): {response.status_code}")
            after = _snapshot(west_records)
            if after != before:
                changed = [kind for kind in before if before[kind] != after[kind]]
                failures.append(f"{method.upper()} {path} ({route.name}) changed {changed}")
                before = after

    assert failures == [], "\n".join(failures)


def test_lists_searches_and_exports_never_show_other_team_records(as_alice, west_records):
    leaks = []
    for route in html_routes() + api_routes():
        if route.method != "get" or _record_kinds(route):
            continue
        export_kinds = list(EXPORT_KINDS) if "record_type" in route.parameters else ["persons"]
        for export_kind in export_kinds:
            path = _path(route, west_records, export_kind)
            for params in ({}, SEARCH):
                response = as_alice(route).get(path, params)
                body = b"".join(response) if response.streaming else response.content
                if response.status_code >= 500:
                    leaks.append(f"GET {path} {params} answered {response.status_code}")
                elif MARKER.encode() in body or MARKER.encode("utf-16-le") in body:
                    leaks.append(f"GET {path} {params} ({route.name}) shows {MARKER}")

    assert leaks == [], "\n".join(leaks)


def test_dashboards_never_count_other_team_records(client, alice, diana, west_records):
    """Every dashboard alice (a representative) and diana (East's manager) may open, over a
    range that holds charlie's records: none of them names one."""
    leaks = []
    for user, keys in ((alice, ("rep",)), (diana, ("rep", "manager", "marketing", "executive"))):
        client.force_login(user)
        for key in keys:
            response = client.get(f"/analytics/dashboards/{key}/", {"by": "month"})
            if response.status_code != 200 or MARKER.encode() in response.content:
                leaks.append(f"{user.username} {key}: {response.status_code}")

    assert leaks == [], "\n".join(leaks)


def test_the_owner_finds_the_markers_this_test_looks_for(charlie, west_records):
    # Guards the test above: a marker charlie cannot find either would prove nothing.
    _key, secret = api_key_create(user=charlie, name="charlie's script")
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    for path in ("/api/v1/persons", "/api/v1/interactions", "/api/v1/deals", "/api/v1/orders"):
        assert MARKER in client.get(path, SEARCH).content.decode(), path


def test_admin_turns_away_a_rep(client, alice, west_records):
    client.force_login(alice)

    response = client.get(f"/admin/accounts/apikey/{west_records['api_key'].pk}/change/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert ApiKey.objects.filter(pk=west_records["api_key"].pk, revoked_at__isnull=True).exists()
