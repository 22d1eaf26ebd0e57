"""Every operation of /api/v1 against its own OpenAPI description, with generated requests.

Schemathesis reads the schema the API serves and sends valid and invalid requests to each
operation, as an administrator and as a representative. Every answer must be documented: no
server error, no status code the operation does not declare, no body or content type that breaks
the declared response schema. A finding is fixed in the schema or the code, never skipped here.

Bounded for `make test`: a fixed number of examples per operation, derandomized so a run repeats
the previous one, one test per operation (so `-n 2` spreads them over both workers).
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from rapport.accounts.models import Role
from rapport.accounts.services import api_key_create, user_create
from rapport.activities.services import interaction_create
from rapport.activities.task_services import task_create
from rapport.api.api import api
from rapport.customers.services import company_create, person_create, tag_create
from rapport.sales.services.catalog import product_create
from rapport.sales.services.deals import deal_create, deal_win
from rapport.sales.services.leads.capture import lead_create
from rapport.sales.services.orders.placing import order_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))


@pytest.fixture
def _requests_share_the_test_transaction():
    # Django closes the connection around each request; inside a test's transaction that would
    # throw the test data away. The test client disconnects the same handlers for its requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def crm(db, _requests_share_the_test_transaction):
    """An administrator and a representative with API keys, and a little of everything."""
    cache.clear()
    admin = user_create(username="root", password="x" * 12, role=Role.ADMINISTRATOR, language="en")
    rep = user_create(username="wang", password="x" * 12, role=Role.SALES_REP, language="zh-hans")
    tag = tag_create(actor=admin, data={"name": "VIP"})
    company = company_create(actor=rep, data={"name": "东方贸易有限公司", "tag_ids": [tag.pk]})
    person = person_create(
        actor=rep,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}],
            "emails": [{"email": "zhang.wei@example.com"}],
            "employments": [{"company_id": company.pk, "job_title": "采购经理"}],
        },
    )
    person_create(actor=admin, data={"full_name": "Emily Carter"})
    interaction_create(
        actor=rep, data={"channel": "call", "subject": "首次沟通"}, person=person, company=None
    )
    task_create(actor=rep, data={"title": "回访", "person_id": person.pk})
    product = product_create(
        actor=admin, data={"sku": "TEA-001", "name": "龙井茶礼盒", "unit_price": "388.00"}
    )
    lead_create(actor=rep, data={"full_name": "李娜", "phone": "13900139000"})
    deal = deal_create(
        actor=rep,
        data={"title": "年度合同", "person_id": person.pk, "amount": "5000"},
    )
    deal_win(actor=rep, deal=deal)
    deal_create(
        actor=rep, data={"title": "茶叶采购", "lines": [{"product_id": product.pk, "quantity": 2}]}
    )
    order_create(
        actor=rep,
        data={
            "person_id": person.pk,
            "lines": [{"description": "Tea", "quantity": 10, "unit_price": "100.00"}],
        },
    )
    return {
        "admin": api_key_create(user=admin, name="schemathesis")[1],
        "rep": api_key_create(user=rep, name="schemathesis")[1],
    }


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_answers_as_documented(case, crm):
    for role in ("admin", "rep"):
        cache.clear()  # the API-key throttle counts every request; this test is not about it
        response = case.call(app=application, headers={"Authorization": f"Bearer {crm[role]}"})
        case.validate_response(response, checks=CHECKS)
