"""Fixtures for the deal, forecast and quota tests (imported by those modules).

alice (East) owns the East deals; charlie (West) must never see them.
"""

import pytest

from rapport.customers.services import company_create, person_create
from rapport.sales.models import Product
from rapport.sales.services.deals import lost_reason_create, pipeline_get_default

__all__ = [
    "east_company",
    "east_person",
    "pipeline",
    "price_reason",
    "product",
    "stages",
    "west_person",
]


@pytest.fixture
def pipeline(db):
    return pipeline_get_default()


@pytest.fixture
def stages(pipeline):
    """The default pipeline's stages by English name: qualification … won, lost."""
    return {s.name.lower().replace(" ", "_"): s for s in pipeline.stages.all()}


@pytest.fixture
def east_company(alice):
    return company_create(actor=alice, data={"name": "东方贸易有限公司"})


@pytest.fixture
def east_person(alice, east_company):
    return person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "employments": [{"company_id": east_company.pk, "job_title": "采购经理"}],
        },
    )


@pytest.fixture
def west_person(charlie):
    return person_create(actor=charlie, data={"full_name": "Emily Carter"})


@pytest.fixture
def product(db):
    return Product.objects.create(sku="TEA-001", name="龙井茶礼盒", unit_price="388.00")


@pytest.fixture
def price_reason(admin_user):
    return lost_reason_create(actor=admin_user, data={"name": "Price too high"})
