"""A company's timeline does not reveal another team's contacts."""

from rapport.activities.selectors import timeline_for_company
from rapport.activities.services import interaction_create
from rapport.customers.services import company_create, person_create


def _west_company_with_east_contact(admin_user, alice, charlie):
    company = company_create(actor=charlie, data={"name": "西部贸易"})
    person = person_create(
        actor=admin_user,
        data={
            "full_name": "王芳",
            "owner_id": alice.pk,
            "employments": [{"company_id": company.pk, "job_title": "采购"}],
        },
    )
    return company, person


def test_company_timeline_hides_entries_about_people_the_viewer_cannot_see(
    admin_user, alice, charlie
):
    # Given a West company whose contact belongs to East, and a call alice logged with her
    company, person = _west_company_with_east_contact(admin_user, alice, charlie)
    interaction_create(actor=alice, person=person, data={"channel": "call", "subject": "报价"})

    # When charlie (West) reads the company's timeline
    titles = [e.display_title for e in timeline_for_company(company, viewer=charlie).items]

    # Then he sees the company's own entries but not the call about East's contact
    assert "报价" not in titles
    assert "Record created" in titles


def test_company_timeline_shows_everything_to_administrators(admin_user, alice, charlie):
    company, person = _west_company_with_east_contact(admin_user, alice, charlie)
    interaction_create(actor=alice, person=person, data={"channel": "call", "subject": "报价"})

    titles = [e.display_title for e in timeline_for_company(company, viewer=admin_user).items]

    assert "报价" in titles
