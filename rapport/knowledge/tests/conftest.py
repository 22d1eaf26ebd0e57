import pytest

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.knowledge import services


@pytest.fixture
def agent(east):
    return user_create(
        username="agnes", password=PASSWORD, role=Role.SERVICE_AGENT, team=east, language="en"
    )


def make_article(actor, *, title="Returns", body="<p>Send it back within 7 days.</p>", **data):
    """An English article, published and public unless `data` says otherwise."""
    return services.article_create(
        actor=actor,
        data={
            "status": "published",
            "visibility": "public",
            "translations": {"en": {"title": title, "body_html": body}},
            **data,
        },
    )
