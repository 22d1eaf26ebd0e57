"""An NPS survey goes to a list of persons (a tag) or a filter of them (a saved view of the
persons list), or to those in both."""

import pytest

from rapport.accounts.saved_view_services import saved_view_create
from rapport.core.errors import ValidationFailed
from rapport.customers.models import Tag
from rapport.customers.services import person_create
from rapport.surveys.models import Invitation
from rapport.surveys.services import nps_round_run, survey_create, survey_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(db):
    return Tag.objects.create(name="NPS panel")


@pytest.fixture
def persons(alice, panel):
    """Customers 0-2 are customers, 3-4 still opportunities; 0 and 3 are on the panel."""
    made = {}
    for n, stage in enumerate(["customer"] * 3 + ["opportunity"] * 2):
        made[n] = person_create(
            actor=alice,
            data={
                "full_name": f"Customer {n}",
                "emails": [{"email": f"customer{n}@example.com"}],
                "lifecycle_stage": stage,
                "tag_ids": [panel.pk] if n in (0, 3) else [],
            },
        )
    return made


@pytest.fixture
def customers_view(admin_user):
    return saved_view_create(
        actor=admin_user,
        data={"list_key": "persons", "name": "Customers", "query": "lifecycle_stage=customer"},
    )


def _invited(survey) -> set[str]:
    return set(Invitation.objects.filter(survey=survey).values_list("email", flat=True))


def test_a_survey_sent_to_a_saved_view_asks_the_persons_it_shows(
    admin_user, persons, customers_view
):
    nps = survey_create(
        actor=admin_user,
        data={"kind": "nps", "name": "Customers' NPS", "audience_view_id": customers_view.pk},
    )

    nps_round_run(survey_id=nps.pk, batch_size=2)

    assert _invited(nps) == {f"customer{n}@example.com" for n in (0, 1, 2)}


def test_a_tag_and_a_saved_view_together_ask_the_persons_in_both(
    admin_user, persons, panel, customers_view
):
    nps = survey_create(
        actor=admin_user,
        data={
            "kind": "nps",
            "name": "Panel customers",
            "audience_tag_id": panel.pk,
            "audience_view_id": customers_view.pk,
        },
    )

    nps_round_run(survey_id=nps.pk)

    assert _invited(nps) == {"customer0@example.com"}


def test_a_round_after_its_view_was_deleted_asks_nobody(admin_user, persons, customers_view):
    nps = survey_create(
        actor=admin_user,
        data={"kind": "nps", "name": "Customers' NPS", "audience_view_id": customers_view.pk},
    )
    customers_view.delete()

    finished = nps_round_run(survey_id=nps.pk)

    assert finished.finished_at is not None and finished.invited == 0
    assert _invited(nps) == set()


def test_a_view_of_another_list_or_someone_elses_private_view_is_refused(
    admin_user, charlie, customers_view
):
    companies = saved_view_create(
        actor=admin_user, data={"list_key": "companies", "name": "All companies", "query": ""}
    )
    private = saved_view_create(
        actor=charlie, data={"list_key": "persons", "name": "Mine", "query": ""}
    )
    nps = survey_create(
        actor=admin_user,
        data={"kind": "nps", "name": "Customers' NPS", "audience_view_id": customers_view.pk},
    )

    for view_id in (companies.pk, private.pk, 2**70, "x"):
        with pytest.raises(ValidationFailed) as caught:
            survey_update(actor=admin_user, survey=nps, data={"audience_view_id": view_id})
        assert set(caught.value.details) == {"audience_view_id"}
    nps.refresh_from_db()
    assert nps.audience_view_id == customers_view.pk


def test_an_nps_survey_without_a_tag_or_a_view_is_refused(admin_user, customers_view):
    with pytest.raises(ValidationFailed) as caught:
        survey_create(actor=admin_user, data={"kind": "nps", "name": "To nobody"})
    assert set(caught.value.details) == {"audience_tag_id"}

    nps = survey_create(
        actor=admin_user,
        data={"kind": "nps", "name": "Customers' NPS", "audience_view_id": customers_view.pk},
    )
    with pytest.raises(ValidationFailed):
        survey_update(actor=admin_user, survey=nps, data={"audience_view_id": None})


def test_an_administrator_picks_a_saved_view_on_the_settings_page(
    client, admin_user, customers_view
):
    client.force_login(admin_user)
    offered = client.get("/surveys/settings/").content.decode()
    assert f'<option value="{customers_view.pk}">Customers</option>' in offered

    response = client.post(
        "/surveys/settings/",
        {"kind": "nps", "name": "Customers' NPS", "audience_view": customers_view.pk},
    )

    assert response.status_code == 302
    listed = client.get("/surveys/settings/").content.decode()
    assert "Customers&#x27; NPS" in listed and "<td>Customers</td>" in listed
