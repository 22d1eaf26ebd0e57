"""Reports and API: answers are seen by whoever sees what they rate; the report page and the
list cost a fixed number of queries; bad input is a 4xx with {code, message, details}."""

import pytest
from django.test import Client

from rapport.api.tests.conftest import client_for
from rapport.service.services import ticket_change_status, ticket_create
from rapport.surveys.models import Invitation, Survey, SurveyKind
from rapport.surveys.selectors import survey_results_for_ticket
from rapport.surveys.services import response_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(admin_user, emily, support, sam):
    """Five resolved tickets of Support, each answered (CSAT 5, 4, 2, 5, 1)."""
    Survey.objects.filter(kind=SurveyKind.CSAT).update(quiet_days=0)
    made = []
    for n, score in enumerate((5, 4, 2, 5, 1)):
        ticket = ticket_create(
            actor=admin_user,
            data={
                "subject": f"Question {n}",
                "body": "…",
                "person_id": emily.pk,
                "team_id": support.pk,
                "assignee_id": sam.pk,
            },
        )
        ticket_change_status(actor=admin_user, ticket=ticket, status="resolved")
        made.append(
            response_submit(
                invitation=Invitation.objects.get(ticket=ticket),
                score=score,
                comment=f"<i>comment {n}</i> delivery" if n % 2 else "",
            )
        )
    return made


def test_the_report_shows_csat_by_agent_team_and_month(answers, sam):
    client = Client()
    client.force_login(sam)

    page = client.get("/surveys/")

    assert page.status_code == 200
    report = page.context["report"]
    assert report.csat_total["count"] == 5
    assert report.csat_total["average"] == 3.4
    assert report.csat_total["satisfied_share"] == 60.0
    assert [(r["name"], r["count"]) for r in report.csat_by_agent] == [("Sam Lee", 5)]
    assert [(r["name"], r["count"]) for r in report.csat_by_team] == [("Support", 5)]
    assert report.response_rate["csat_share"] == 100.0
    assert "&lt;i&gt;comment 1&lt;/i&gt;" in page.content.decode()


def test_comments_are_searchable(answers, sam):
    client = Client()
    client.force_login(sam)

    page = client.get("/surveys/", {"q": "comment 3"})

    comments = page.context["report"].comments
    assert [c.comment for c in comments] == ["<i>comment 3</i> delivery"]


def test_another_team_sees_no_answers(answers, charlie):
    client = Client()
    client.force_login(charlie)

    report = client.get("/surveys/").context["report"]

    assert report.csat_total["count"] == 0
    assert report.comments == []
    assert report.response_rate["sent"] == 0


def test_the_report_costs_the_same_whatever_the_number_of_answers(
    answers, sam, django_assert_max_num_queries
):
    client = Client()
    client.force_login(sam)
    client.get("/surveys/")  # warm the per-process caches (session, user, translations)

    with django_assert_max_num_queries(20):
        client.get("/surveys/")


def test_results_for_the_ticket_page(answers):
    ticket = answers[2].ticket

    results = survey_results_for_ticket(ticket)

    assert [(r.kind, r.score) for r in results] == [("csat", 2)]


def test_the_api_lists_answers_with_filters(answers, sam, django_assert_max_num_queries):
    api = client_for(sam)

    with django_assert_max_num_queries(8):
        listed = api.get("/survey-responses", {"score_max": 2, "limit": 10})

    assert listed.status_code == 200, listed.content
    assert sorted(item["score"] for item in listed.json()["items"]) == [1, 2]


def test_the_api_hides_another_teams_answers(answers, charlie):
    listed = client_for(charlie).get("/survey-responses")

    assert listed.status_code == 200
    assert listed.json()["items"] == []


def test_an_out_of_range_filter_is_a_422(answers, sam):
    refused = client_for(sam).get("/survey-responses", {"score_min": 11})

    assert refused.status_code == 422
    assert set(refused.json()) == {"code", "message", "details"}


def test_administrators_create_and_change_surveys_through_the_api(admin_user, sam):
    from rapport.customers.models import Tag

    tag = Tag.objects.create(name="Panel")
    api = client_for(admin_user)

    created = api.post("/surveys", {"kind": "nps", "name": "NPS", "audience_tag_id": tag.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["question_en"].startswith("How likely")
    changed = api.patch(f"/surveys/{body['id']}", {"every_days": 30, "version": body["version"]})
    assert changed.status_code == 200
    assert changed.json()["every_days"] == 30
    stale = api.patch(f"/surveys/{body['id']}", {"every_days": 60, "version": body["version"]})
    assert stale.status_code == 409
    assert client_for(sam).get("/surveys").status_code == 403
    assert client_for(sam).post("/surveys", {"kind": "csat", "name": "x"}).status_code == 403


def test_bad_survey_input_is_a_4xx_and_saves_nothing(admin_user):
    api = client_for(admin_user)
    before = Survey.objects.count()

    no_audience = api.post("/surveys", {"kind": "nps", "name": "NPS"})
    bad_kind = api.post("/surveys", {"kind": "ces", "name": "x"})
    no_name = api.post("/surveys", {"kind": "csat", "name": ""})

    assert no_audience.status_code == 422
    assert "audience_tag_id" in no_audience.json()["details"]
    assert bad_kind.status_code == 422
    assert no_name.status_code == 422
    assert Survey.objects.count() == before


def test_the_settings_pages_are_for_administrators(admin_user, sam):
    admin = Client()
    admin.force_login(admin_user)
    agent = Client()
    agent.force_login(sam)
    csat = Survey.objects.get(kind=SurveyKind.CSAT)

    assert admin.get("/surveys/settings/").status_code == 200
    assert admin.get(f"/surveys/settings/{csat.pk}/").status_code == 200
    assert admin.get("/surveys/settings/999999/").status_code == 404
    assert agent.get("/surveys/settings/").status_code == 403
    saved = admin.post(
        f"/surveys/settings/{csat.pk}/",
        {
            "kind": "csat",
            "name": "After-sales CSAT",
            "quiet_days": "14",
            "is_active": "on",
            "version": csat.version,
        },
    )
    assert saved.status_code == 302
    csat.refresh_from_db()
    assert (csat.name, csat.quiet_days) == ("After-sales CSAT", 14)
