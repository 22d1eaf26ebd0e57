"""Hostile input on every route is a 4xx, never a 500 (issue 10).

The routes are read from the URL configuration and from the API's OpenAPI description, so a new
route is probed the day it is added. Each is called as an anonymous visitor, as a representative
(charlie, who owns one record of every kind: path ids are his, so the handlers really run) and as
an administrator (session sign-in for pages, API key for the API), with:

- integers beyond 64 bits (2**63, -2**63 - 1, 10**30, one per route in turn) in every integer
  query parameter the API declares, and in the filter names the list pages read;
- a NUL byte in the query string, and bytes that are not UTF-8;
- JSON bodies nested 1,100 levels deep, or holding a lone surrogate or a NUL in a string;
- on the API, bodies whose every integer is beyond 64 bits, and lists of a million items.

The pages may answer anything but a 5xx; the API answers a hostile value with a 4xx in its
`{code, message, details}` format. Refusing at the root (the request middleware, the shared
integer parser and the bounded schema types) is what keeps this one test cheap to pass.
"""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rapport.accounts.services import api_key_create
from rapport.api.api import api
from rapport.api.tests.conftest import client_for
from rapport.core.schema_types import MAX_TAG_IDS
from rapport.customers.models import Company, Person, Tag
from rapport.customers.services import person_create
from rapport.dataio.services.imports.rows import RowCleaner
from rapport.sales.services.leads.settings import lead_form_create
from rapport.sales.services.orders import order_create

# charlie's records of every kind, shared with the cross-team test so both probe the same data.
from tests.security.test_cross_team_access import SHARED, kind_of
from tests.security.test_cross_team_access import west_records as west_records

HUGE = (2**63, -(2**63) - 1, 10**30)
MILLION = 1_000_000
# The names list pages and forms read ids and numbers from; a page ignores those it does not read.
INT_NAMES = (
    "owner_id",
    "team_id",
    "tag_id",
    "tag",
    "assignee",
    "assignee_id",
    "person",
    "person_id",
    "company",
    "company_id",
    "order",
    "order_id",
    "actor",
    "stage",
    "stage_id",
    "pipeline",
    "pipeline_id",
    "deal_id",
    "lead_id",
    "product",
    "product_id",
    "user_id",
    "min_score",
    "page",
    "limit",
    "cursor",
    "version",
    "quantity",
    "position",
    "probability",
    "survivor",
)
# Routes not probed, and why.
SKIPPED = (
    "/admin/",  # Django's own admin, staff only
    "/accounts/logout/",  # would end the session halfway through
    "/api/",  # probed through the OpenAPI description instead
)

_DJANGO_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_API_PARAMETER = re.compile(r"\{(?:\w+:)?(\w+)\}")


def deep_json(levels: int = 1100) -> str:
    return "[" * levels + "]" * levels


def _django_routes(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _django_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or ''}", "/" + prefix + str(pattern.pattern)


class Routes:
    """Every page and API operation, with charlie's record ids put into their paths."""

    def __init__(self, records: dict, public_key: str):
        self.records = records
        self.public_key = public_key
        self.schema = api.get_openapi_schema()

    def _id(self, name: str, parameter: str) -> str:
        if parameter == "public_key":
            return self.public_key
        if parameter == "record_type":
            return "persons"
        kind = kind_of(type("Route", (), {"name": name})(), parameter)
        record = self.records.get(kind) or self.records[SHARED]
        return str(record.pk)

    def pages(self) -> list[str]:
        paths = []
        for name, raw in _django_routes(get_resolver().url_patterns):
            if raw.startswith(SKIPPED) or "(?P" in raw or "^" in raw:
                continue
            path = _DJANGO_PARAMETER.sub(lambda m, n=name: self._id(n, m.group(1)), raw)
            paths.append(path)
        return paths

    def operations(self) -> list[tuple[str, str, dict]]:
        found = []
        for raw, operations in self.schema["paths"].items():
            for method, operation in operations.items():
                name = f"api:{operation['operationId']}"
                path = _API_PARAMETER.sub(lambda m, n=name: self._id(n, m.group(1)), raw)
                found.append((method, path, operation))
        return found

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [s for s in schema[key] if s.get("type") != "null"]
                return self.resolve(options[0]) if options else {}
        return schema

    def int_query_parameters(self, operation: dict) -> list[str]:
        return [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and self.resolve(p.get("schema", {})).get("type") == "integer"
        ]

    def body_schema(self, operation: dict) -> dict | None:
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.resolve(content["application/json"]["schema"])

    def sample(self, schema: dict, *, integer, big_lists: list | None = None, depth: int = 0):
        """A body of `schema`'s shape with every integer `integer`; the first list is
        `big_lists.pop()` items long when that is given, every other list one item."""
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind == "integer":
            return integer
        if kind == "array":
            if big_lists:
                return [1] * big_lists.pop()  # refused by its length, whatever its items
            return [self.sample(schema.get("items", {}), integer=integer, depth=depth + 1)]
        if kind == "object" or "properties" in schema:
            if depth > 3:
                return {}
            return {
                name: self.sample(field, integer=integer, big_lists=big_lists, depth=depth + 1)
                for name, field in schema.get("properties", {}).items()
            }
        if kind == "number":
            return 1
        if kind == "boolean":
            return True
        if "enum" in schema:
            return schema["enum"][0]
        return "x"

    def has(self, schema: dict, kind: str, depth: int = 0) -> bool:
        schema = self.resolve(schema)
        if schema.get("type") == kind:
            return True
        if depth > 3:
            return False
        children = list(schema.get("properties", {}).values())
        if "items" in schema:
            children.append(schema["items"])
        return any(self.has(child, kind, depth + 1) for child in children)


@pytest.fixture
def routes(west_records, admin_user):
    lead_form = lead_form_create(actor=admin_user, data={"name": "Website"})
    return Routes(west_records, lead_form.public_key)


@pytest.fixture
def callers(charlie, admin_user, west_records):
    """(name, page client, API client) for an anonymous visitor, a rep and an administrator."""
    # A failing view answers 500 as in production, so that every failure is listed.
    found = [("anonymous", Client(raise_request_exception=False), Client())]
    for user in (charlie, admin_user):
        page = Client(raise_request_exception=False)
        page.force_login(user)
        _key, secret = api_key_create(user=user, name="hostile input")
        integration = Client(
            headers={"Authorization": f"Bearer {secret}"}, raise_request_exception=False
        )
        found.append((user.username, page, integration))
    return found


def _problem(response, *, api: bool, refused: bool) -> str | None:
    """What is wrong with an answer to hostile input, or None."""
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    if refused and not 400 <= status < 500:
        return f"answered {status}, not a 4xx"
    if api and status >= 400:
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"answered {status} without a JSON body"
        if not (isinstance(body, dict) and {"code", "message", "details"} <= set(body)):
            return f"answered {status} without {{code, message, details}}"
    return None


def test_huge_integers_in_query_parameters_never_fail(routes, callers):
    failures = []
    shown = 0
    for who, page, integration in callers:
        for index, path in enumerate(routes.pages()):
            number = HUGE[index % len(HUGE)]
            response = page.get(path, dict.fromkeys(INT_NAMES, number))
            shown += who == "charlie" and response.status_code == 200
            if problem := _problem(response, api=False, refused=False):
                failures.append(f"{who} GET {path}?…={number}: {problem}")
        for index, (method, path, operation) in enumerate(routes.operations()):
            names = routes.int_query_parameters(operation)
            if method != "get" or not names:
                continue
            number = HUGE[index % len(HUGE)]
            response = integration.get(path, dict.fromkeys(names, number))
            if problem := _problem(response, api=True, refused=True):
                failures.append(f"{who} GET {path}?{','.join(names)}={number}: {problem}")

    assert not failures, "\n".join(failures)
    # Guards the probe: the rep's pages, with his own record ids, really ran their views (the
    # others are forms answering 405 to GET, or settings pages a rep may not open).
    assert shown > len(routes.pages()) / 3


def test_nul_and_broken_utf8_in_the_query_string_never_fail(routes, callers):
    failures = []
    for who, page, integration in callers:
        paths = [(page, p, False) for p in routes.pages()]
        paths += [(integration, p, True) for m, p, _o in routes.operations() if m == "get"]
        for client, path, is_api in paths:
            response = client.get(path, {"q": "a\x00", "owner_id": "1\x00"})
            if problem := _problem(response, api=is_api, refused=True):
                failures.append(f"{who} GET {path}?q=NUL: {problem}")
            response = client.get(path, QUERY_STRING="q=%ED%A0%80%FF&owner_id=%C0%AF")
            if problem := _problem(response, api=is_api, refused=False):
                failures.append(f"{who} GET {path}?q=<not UTF-8>: {problem}")

    assert not failures, "\n".join(failures)


HOSTILE_BODIES = {
    "nested 1,100 levels": deep_json(),
    "nested in an object": '{"full_name": ' + deep_json() + "}",
    "a lone surrogate": '{"full_name": "\\ud800x", "name": "\\udfff", "title": "x"}',
    "a NUL": '{"full_name": "a\\u0000", "name": "b\\u0000"}',
}


# Django splits parameters off the content type; "+json" types are JSON too. One per route in turn.
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "application/merge-patch+json")


def test_hostile_json_bodies_are_refused_on_every_route(routes, callers):
    failures = []
    for who, page, integration in callers:
        targets = [(page, "post", p) for p in routes.pages()]
        targets += [(integration, m, p) for m, p, _o in routes.operations() if m != "get"]
        for index, (client, method, path) in enumerate(targets):
            content_type = JSON_TYPES[index % len(JSON_TYPES)]
            for label, body in HOSTILE_BODIES.items():
                response = getattr(client, method)(path, body, content_type=content_type)
                # Whoever posts JSON is answered in JSON, pages included.
                if problem := _problem(response, api=True, refused=True):
                    failures.append(f"{who} {method.upper()} {path} with {label}: {problem}")

    assert not failures, "\n".join(failures)


def test_pages_survive_form_posts_of_huge_integers(routes, callers):
    failures = []
    for who, page, _integration in callers:
        for index, path in enumerate(routes.pages()):
            number = str(HUGE[index % len(HUGE)])
            response = page.post(path, dict.fromkeys(INT_NAMES, number))
            if problem := _problem(response, api=False, refused=False):
                failures.append(f"{who} POST {path} ({number}): {problem}")

    assert not failures, "\n".join(failures)


def test_api_refuses_bodies_of_huge_integers(routes, callers):
    failures = []
    for who, _page, integration in callers[1:]:
        for index, (method, path, operation) in enumerate(routes.operations()):
            schema = routes.body_schema(operation)
            if (
                method == "get"
                or method == "delete"
                or not schema
                or not routes.has(schema, "integer")
            ):
                continue
            number = HUGE[index % len(HUGE)]
            body = json.dumps(routes.sample(schema, integer=number))
            response = getattr(integration, method)(path, body, content_type="application/json")
            if problem := _problem(response, api=True, refused=True):
                failures.append(f"{who} {method.upper()} {path} with {number}: {problem}")

    assert not failures, "\n".join(failures)


def _list_paths(routes: Routes, schema: dict, path: tuple = (), depth: int = 0):
    """The path of every list in a body of `schema`'s shape, as `Routes.sample` builds it (an
    item of a list is at index 0; objects deeper than three levels are left empty)."""
    schema = routes.resolve(schema)
    if schema.get("type") == "array":
        yield path
        yield from _list_paths(routes, schema.get("items", {}), (*path, 0), depth + 1)
    elif (schema.get("type") == "object" or "properties" in schema) and depth <= 3:
        for name, field in schema.get("properties", {}).items():
            yield from _list_paths(routes, field, (*path, name), depth + 1)


def _with_a_million_items(body, path: tuple):
    """`body` with the list at `path` a million items long (refused by its length, whatever
    its items)."""
    *parents, last = path
    holder = body
    for key in parents:
        holder = holder[key]
    holder[last] = [1] * MILLION
    return body


def test_api_refuses_lists_of_a_million_items(routes, callers):
    """Every list of every body schema, a million items long, is refused with a 4xx.

    One request per list of each distinct body schema, not per route: django-ninja validates
    the whole body against the operation's schema before the view runs, so a list the schema
    caps is refused the same way on every route sharing the schema (POST /persons and
    PUT /persons/by-external/…, a rule and its dry run). The request proves the cap only when
    the 422 names that list (`too_long`); a list refused any other way (by the view) is sent to
    each route of the schema in turn, as is every list of a schema used once.
    """
    failures = []
    _who, _page, integration = callers[-1]  # the administrator may call every operation
    by_schema: dict[str, list[tuple[str, str]]] = {}
    schemas = {}
    for method, path, operation in routes.operations():
        schema = routes.body_schema(operation)
        if method in ("get", "delete") or not schema:
            continue
        content = operation["requestBody"]["content"]["application/json"]["schema"]
        name = json.dumps(content, sort_keys=True)  # {"$ref": …} for a named schema
        by_schema.setdefault(name, []).append((method, path))
        schemas[name] = schema
    for name, targets in by_schema.items():
        for list_path in _list_paths(routes, schemas[name]):
            field = ".".join(str(key) for key in list_path)
            for method, path in targets:
                body = routes.sample(schemas[name], integer=1)
                body = json.dumps(_with_a_million_items(body, list_path))
                response = getattr(integration, method)(path, body, content_type="application/json")
                if problem := _problem(response, api=True, refused=True):
                    failures.append(f"{method.upper()} {path} with a million {field}: {problem}")
                elif response.status_code == 422 and field in response.json()["details"]:
                    break  # the schema's own cap: the routes sharing it answer the same

    assert not failures, "\n".join(failures)
    # Guards the probe: every body holding a list had its lists sent.
    with_lists = [name for name in by_schema if routes.has(schemas[name], "array")]
    assert with_lists
    assert all(any(_list_paths(routes, schemas[name])) for name in with_lists)


# --- The reproducers of issue 10 -----------------------------------------------------------------


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.mark.parametrize("filter_name", ["owner_id", "team_id", "tag_id"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_api_lists_refuse_filters_beyond_64_bits(as_alice, filter_name, value):
    for path in ("/persons", "/companies"):
        response = as_alice.get(path, {filter_name: value})

        assert response.status_code == 422, path
        assert list(response.json()["details"]) == [filter_name]


def test_receivables_refuse_an_owner_beyond_64_bits(as_alice):
    response = as_alice.get("/receivables", {"owner_id": 2**63})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_tag_id_beyond_64_bits_is_refused_and_nothing_is_saved(as_alice):
    response = as_alice.post("/persons", {"full_name": "张伟", "tag_ids": [2**63]})

    assert response.status_code == 422
    assert list(response.json()["details"]) == ["tag_ids.0"]
    assert not Person.objects.exists()


def test_a_million_tag_ids_are_refused_by_their_number(as_alice):
    response = as_alice.post("/persons", {"full_name": "张伟", "tag_ids": [1] * MILLION})

    assert response.status_code == 422
    assert response.json()["details"] == {"tag_ids": [f"Give at most {MAX_TAG_IDS} entries."]}


@pytest.mark.parametrize("name", ["\u200b\u200c\u200d", "\u2060\ufeff", " \u3164 ", "\u0301"])
def test_a_tag_named_only_of_invisible_characters_is_refused(admin_user, name):
    response = client_for(admin_user).post("/tags", {"name": name})

    assert response.status_code == 422
    assert response.json()["details"] == {"name": ["Enter a name."]}
    assert not Tag.objects.exists()


def test_a_person_named_only_of_invisible_characters_is_refused(as_alice):
    response = as_alice.post("/persons", {"full_name": "\u200b\u202e\u200b"})

    assert response.status_code == 422
    assert response.json()["details"] == {"full_name": ["Enter a name."]}


def test_direction_overrides_are_removed_from_names(as_alice):
    response = as_alice.post("/persons", {"full_name": "张伟\u202egpj.exe"})

    assert response.status_code == 201
    assert Person.objects.get().full_name == "张伟gpj.exe"


@pytest.mark.parametrize(
    "website",
    ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x"],
)
def test_a_company_website_must_be_a_web_address(as_alice, website):
    response = as_alice.post("/companies", {"name": "东方贸易", "website": website})

    assert response.status_code == 422
    assert response.json()["details"] == {
        "website": ["Enter a web address starting with http:// or https://."]
    }
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    "website", ["https://dongfang.cn/about", "http://例子.中国", "dongfang.cn"]
)
def test_a_company_website_may_be_http_https_or_a_bare_host(as_alice, website):
    response = as_alice.post("/companies", {"name": "东方贸易", "website": website})

    assert response.status_code == 201
    assert Company.objects.get().website == website


def test_the_company_form_refuses_a_javascript_website(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("customers:company_create"),
        {"name": "东方贸易", "website": "javascript:alert(document.cookie)"},
    )

    assert response.status_code == 200
    assert "Enter a web address starting with http:// or https://." in response.content.decode()
    assert not Company.objects.exists()


def test_an_import_row_with_a_javascript_website_is_rejected(db):
    cleaner = RowCleaner("companies", {"公司": "name", "网址": "website"}, columns=["公司", "网址"])

    assert cleaner.clean(["东方贸易", "javascript:alert(1)"]).reasons == [
        "网址: Enter a web address starting with http:// or https://."
    ]
    assert cleaner.clean(["东方贸易", "dongfang.cn"]).fields["website"] == "dongfang.cn"


def test_import_rows_refuse_text_the_database_cannot_store_and_drop_overrides(db):
    cleaner = RowCleaner("companies", {"公司": "name"}, columns=["公司"])

    assert cleaner.clean(["东方\x00贸易"]).reasons == [
        "公司: Text may not contain the NUL character."
    ]
    assert cleaner.clean(["东方\ud800贸易"]).reasons == [
        "公司: Text may not contain a lone surrogate character (U+D800 to U+DFFF)."
    ]
    assert cleaner.clean(["\u202e东方贸易"]).fields["name"] == "东方贸易"
    assert cleaner.clean(["\u200b\u200b"]).reasons == ["name: This field is required."]


def test_deleting_a_person_that_an_order_names_is_a_409_not_a_500(alice, as_alice, client):
    # Found by the form-post probe above: the database protects the order's customer.
    person = person_create(actor=alice, data={"full_name": "张伟"})
    order_create(
        actor=alice,
        data={
            "person_id": person.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "100.00"}],
        },
    )
    client.force_login(alice)

    api_response = as_alice.delete(f"/persons/{person.pk}")
    page_response = client.post(reverse("customers:person_delete", args=[person.pk]))

    assert api_response.status_code == 409
    assert api_response.json()["code"] == "in_use"
    assert page_response.status_code == 302
    assert Person.objects.filter(pk=person.pk).exists()


# --- The public doors of issue 16: the chat widget, the support form, the survey page, the help
# centre. Nobody signs in there, so each is probed with what the web may send: malformed or
# non-object JSON, values of the wrong type, huge strings, bodies over the request limit, HTML, a
# wrong key or a forged token. Each answers a clear 4xx (JSON callers in {code, message,
# details}), saves nothing of a refused request, and shows HTML as text.

SHOP_ORIGIN = "https://shop.example.com"
HUGE_TEXT = "长" * 300_000  # 900 kB of UTF-8: under the request limit, over every field's
OVER_LIMIT = b'{"text": "' + b"x" * (6 * 1024 * 1024) + b'"}'  # over the 5 MB request limit
SCRIPT = "<script>alert(1)</script><b>bold</b>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
# Bodies no endpoint may take: (label, raw body).
MALFORMED_BODIES = [
    ("not JSON", b'{"question": "hi"'),
    ("not UTF-8", b'{"question": "\xff\xfe"}'),
    ("a list", b'["question"]'),
    ("a string", b'"question"'),
    ("null", b"null"),
]


@pytest.fixture
def public_doors(admin_user, alice, settings):
    """A shop's chat key, a support form, a resolved ticket's CSAT invitation and a public
    article: every door a visitor opens without signing in."""
    from django.core.cache import cache

    from rapport.behaviour.services import site_key_create
    from rapport.chat.services import agent_seen
    from rapport.knowledge.tests.conftest import make_article
    from rapport.service.services import ticket_change_status, ticket_create, ticket_form_create
    from rapport.surveys.models import (
        DEFAULT_CSAT_QUESTION_EN,
        DEFAULT_CSAT_QUESTION_ZH,
        Invitation,
        Survey,
        SurveyKind,
    )

    # No per-address limit: the probes below come from one address, and each must meet the
    # check it is about, not the flood limit (tested in the chat and service apps).
    settings.RAPPORT_CHAT_RATE_LIMIT = 0
    settings.RAPPORT_LEAD_FORM_RATE_LIMIT = 0
    cache.clear()
    agent_seen(user=admin_user)  # an agent is there: a chat waits for them, not made a ticket
    Survey.objects.get_or_create(
        kind=SurveyKind.CSAT,
        defaults={
            "name": "CSAT",
            "question_zh": DEFAULT_CSAT_QUESTION_ZH,
            "question_en": DEFAULT_CSAT_QUESTION_EN,
        },
    )
    emily = person_create(
        actor=alice, data={"full_name": "Emily Carter", "emails": [{"email": "emily@example.com"}]}
    )
    ticket = ticket_create(
        actor=admin_user, data={"subject": "Flicker", "body": "It flickers.", "person_id": emily.pk}
    )
    ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")
    return {
        "site_key": site_key_create(
            actor=admin_user, data={"name": "Shop", "allowed_origins": [SHOP_ORIGIN]}
        ),
        "form": ticket_form_create(actor=admin_user, data={"name": "Contact us"}),
        "invitation": Invitation.objects.get(ticket=ticket),
        "article": make_article(admin_user),
    }


def _saved() -> dict:
    """How many records the public doors write, to show a refused request saved nothing."""
    from rapport.chat.models import ChatMessage, ChatSession
    from rapport.knowledge.models import Deflection
    from rapport.service.models import Ticket, TicketMessage
    from rapport.surveys.models import Response

    return {
        model.__name__: model.objects.count()
        for model in (ChatSession, ChatMessage, Ticket, TicketMessage, Response, Deflection)
    }


def _widget(client, key, action, body, *, origin=SHOP_ORIGIN):
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(
        f"/chat/w/{key}/{action}?lang=en",
        raw,
        content_type="application/json",
        headers={"Origin": origin},
    )


def test_the_chat_widget_refuses_hostile_bodies_and_saves_nothing(public_doors):
    client = Client(raise_request_exception=False)
    key = public_doors["site_key"].key
    started = _widget(client, key, "start", {"question": "Where is my parcel?"})
    assert started.status_code == 201
    token = started.json()["token"]
    before = _saved()
    hostile = [(label, raw) for label, raw in MALFORMED_BODIES] + [
        ("an over-limit body", OVER_LIMIT),
        ("a huge question", {"question": HUGE_TEXT}),
        ("a question that is a list", {"question": ["a", "b"]}),
        ("an e-mail that is an object", {"question": "hi", "email": {"a": 1}}),
        ("a phone of letters", {"question": "hi", "phone": "call me maybe"}),
        ("a huge name", {"question": "hi", "name": HUGE_TEXT}),
        ("a huge text", {"token": token, "text": HUGE_TEXT}),
        ("a text that is a number", {"token": token, "text": 2**70}),
        ("an empty text", {"token": token, "text": "  "}),
        ("a forged token", {"token": "f" * 32, "text": "hi"}),
        ("a token that is a list", {"token": [token], "text": "hi"}),
        ("a huge token", {"token": HUGE_TEXT, "text": "hi"}),
        ("article ids that are text", {"question": "hi", "article_ids": "1,2"}),
        ("no article ids", {"question": "hi", "article_ids": []}),
    ]
    failures = []
    for action in ("start", "send", "end", "deflected"):
        for label, body in hostile:
            if action != "deflected" and "article ids" in label:
                continue
            if action == "end" and isinstance(body, dict) and body.get("token") == token:
                continue  # ending the chat with its own token is what "end" is for
            response = _widget(client, key, action, body)
            if problem := _problem(response, api=True, refused=True):
                failures.append(f"{action} with {label}: {problem}")
    for label, response in (
        ("a wrong key", _widget(client, "nope" * 8, "start", {"question": "hi"})),
        (
            "another origin",
            _widget(client, key, "start", {"question": "hi"}, origin="https://x.cn"),
        ),
        (
            "a forged token",
            client.get(f"/chat/w/{key}/poll", {"token": "f" * 32}, headers={"Origin": SHOP_ORIGIN}),
        ),
        (
            "an after beyond 64 bits",
            client.get(
                f"/chat/w/{key}/poll",
                {"token": token, "after": 2**64},
                headers={"Origin": SHOP_ORIGIN},
            ),
        ),
    ):
        if problem := _problem(response, api=True, refused=label != "an after beyond 64 bits"):
            failures.append(f"{label}: {problem}")

    assert not failures, "\n".join(failures)
    assert _saved() == before


def test_the_support_form_refuses_hostile_input_and_saves_nothing(public_doors):
    client = Client(raise_request_exception=False)
    path = f"/support/f/{public_doors['form'].public_key}/"
    valid = {"email": "li@example.net", "subject": "Hi", "message": "Help"}
    before = _saved()
    failures = []
    json_bodies = [(label, raw) for label, raw in MALFORMED_BODIES] + [
        ("an over-limit body", OVER_LIMIT),
        ("a huge message", {**valid, "message": HUGE_TEXT}),
        ("a huge subject", {**valid, "subject": HUGE_TEXT}),
        ("a message that is a list", {**valid, "message": ["a"]}),
        ("an e-mail that is an object", {**valid, "email": {"a": 1}}),
        ("an unknown field", {**valid, "status": "closed"}),
        ("a bad e-mail", {**valid, "email": "<script>@x"}),
    ]
    for label, body in json_bodies:
        raw = body if isinstance(body, bytes) else json.dumps(body)
        response = client.post(path, raw, content_type="application/json")
        if problem := _problem(response, api=True, refused=True):
            failures.append(f"JSON with {label}: {problem}")
    for label, data in (
        ("a huge message", {**valid, "message": HUGE_TEXT}),
        ("an empty subject", {**valid, "subject": ""}),
    ):
        response = client.post(path, data)
        if problem := _problem(response, api=False, refused=True):
            failures.append(f"form with {label}: {problem}")
    for label, response in (
        ("a wrong key", client.post("/support/f/nope/", valid, content_type="application/json")),
        ("a wrong key (page)", client.get("/support/f/nope/")),
    ):
        if problem := _problem(response, api=False, refused=True):
            failures.append(f"{label}: {problem}")

    assert not failures, "\n".join(failures)
    assert _saved() == before


def test_the_survey_page_refuses_forged_links_bad_scores_and_late_changes(public_doors):
    from django.core import signing
    from django.utils import timezone

    from rapport.surveys import links
    from rapport.surveys.models import Invitation, Response

    invitation = public_doors["invitation"]
    client = Client(raise_request_exception=False)
    path = links.answer_path(invitation)
    failures = []
    forged = [
        "not-a-token",
        "x" * 20_000,
        links.token_for(invitation.pk + 1000),  # signed, but no such invitation
        signing.dumps(invitation.pk, salt="another.use"),  # our key, another purpose
        signing.dumps(str(invitation.pk), salt="surveys.invitation"),  # not an id
        links.token_for(invitation.pk)[:-2] + "xx",  # altered
    ]
    for token in forged:
        for response in (
            client.get(f"/s/{token}/"),
            client.post(f"/s/{token}/", {"score": "1", "comment": "x"}),
        ):
            if problem := _problem(response, api=False, refused=True):
                failures.append(f"token {token[:30]}: {problem}")
    for data in (
        {"score": "0"},
        {"score": "6"},
        {"score": str(2**64)},
        {"score": "4.5"},
        {"score": "1e1"},
        {"score": ["1", "5"], "comment": "two scores"},
        {"score": "1", "comment": HUGE_TEXT},
    ):
        response = client.post(path, data)
        # Two scores: the last one counts, as for any form input; the rest are refused.
        if data.get("comment") == "two scores":
            response.status_code < 500 or failures.append(f"{data}: {response.status_code}")
            Response.objects.all().delete()
            Invitation.objects.filter(pk=invitation.pk).update(answered_at=None)
            continue
        if problem := _problem(response, api=False, refused=True):
            failures.append(f"score {str(data)[:60]}: {problem}")
    json_post = client.post(path, '{"score": 1}', content_type="application/json")
    if problem := _problem(json_post, api=False, refused=False):
        failures.append(f"a JSON post: {problem}")
    assert not failures, "\n".join(failures)
    assert not Response.objects.exists()

    # The answer, with HTML, is shown as text; a second one within the week replaces it
    assert client.post(path, {"score": "2", "comment": SCRIPT}).status_code == 302
    assert ESCAPED in client.get(path).content.decode()
    assert client.post(path, {"score": "4", "comment": "better"}).status_code == 302
    assert Response.objects.get().score == 4
    # …and after the week it is read-only: the late change is refused and nothing moves
    Invitation.objects.filter(pk=invitation.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=8)
    )
    late = client.post(path, {"score": "1", "comment": "changed"})
    assert late.status_code == 409
    assert (Response.objects.get().score, Response.objects.get().comment) == (4, "better")


def test_the_help_centre_takes_hostile_search_votes_and_deflections(public_doors):
    client = Client(raise_request_exception=False)
    article = public_doors["article"]
    before = _saved()
    failures = []
    for label, response in (
        ("a huge query", client.get("/help/search/", {"q": HUGE_TEXT})),
        ("a vote of maybe", client.post(f"/help/a/{article.pk}/vote/", {"helpful": "maybe"})),
        ("a vote on no article", client.post(f"/help/a/{2**40}/vote/", {"helpful": "yes"})),
        ("an article beyond 64 bits", client.get(f"/help/a/{2**64}/")),
        ("a deflection of nothing", client.post("/help/deflected/", {"q": "x"})),
        (
            "a deflection of junk ids",
            client.post("/help/deflected/", {"q": HUGE_TEXT, "article": ["x", str(2**70)]}),
        ),
        (
            "a JSON deflection",
            client.post("/help/deflected/", "[1]", content_type="application/json"),
        ),
    ):
        # A huge query is cut to the search's length, not refused; the vote answers in JSON.
        if problem := _problem(
            response, api=label == "a vote of maybe", refused=label != "a huge query"
        ):
            failures.append(f"{label}: {problem}")
    page = client.get("/help/search/", {"q": SCRIPT})

    assert not failures, "\n".join(failures)
    assert _saved() == before
    assert page.status_code == 200
    assert SCRIPT not in page.content.decode()


def test_html_sent_through_the_public_doors_is_shown_as_text_to_the_agent(public_doors, admin_user):
    from rapport.chat.models import ChatSession
    from rapport.service.models import Ticket

    client = Client()
    key = public_doors["site_key"].key
    form_path = f"/support/f/{public_doors['form'].public_key}/"
    sent = client.post(form_path, {"email": "li@example.net", "subject": SCRIPT, "message": SCRIPT})
    assert sent.status_code == 302
    started = _widget(client, key, "start", {"question": SCRIPT, "name": SCRIPT})
    assert started.status_code == 201
    agent = Client()
    agent.force_login(admin_user)

    ticket_page = agent.get(
        reverse("service:ticket_detail", args=[Ticket.objects.get(channel="web_form").pk])
    )
    chat_page = agent.get(reverse("chat:detail", args=[ChatSession.objects.get().pk]))

    for page in (ticket_page, chat_page):
        assert page.status_code == 200
        assert SCRIPT not in page.content.decode()
        assert ESCAPED in page.content.decode()
