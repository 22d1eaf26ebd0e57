"""The public answer page: no login, a signed link, one answer changeable for seven days."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rapport.activities.models import TimelineEntry
from rapport.surveys import links
from rapport.surveys.models import Response

pytestmark = pytest.mark.django_db


def _path(invitation) -> str:
    return links.answer_path(invitation)


def test_the_page_opens_without_login_in_the_persons_language(invitation):
    response = Client().get(_path(invitation))

    assert response.status_code == 200
    assert "How satisfied are you" in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_the_page_speaks_chinese_to_a_chinese_customer(invitation):
    invitation.language = "zh-hans"
    invitation.save()

    response = Client().get(_path(invitation))

    assert "您对本次获得的帮助满意吗" in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "MQ:1tAbCd:not-our-signature",
        "",
    ],
)
def test_a_forged_link_is_a_404(invitation, token):
    response = Client().get(f"/s/{token}/" if token else "/s/x/")

    assert response.status_code == 404


def test_a_link_altered_to_another_invitation_is_a_404(invitation):
    token = links.token_for(invitation.pk)
    value, rest = token.split(":", 1)
    other = links.token_for(invitation.pk + 1).split(":", 1)[0]

    response = Client().get(f"/s/{other}:{rest}/")

    assert value != other
    assert response.status_code == 404


def test_answering_saves_the_score_and_comment(invitation, emily):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_path(invitation))
    csrf = page.cookies["csrftoken"].value

    response = client.post(
        _path(invitation),
        {"score": "4", "comment": "Quick and kind", "csrfmiddlewaretoken": csrf},
    )

    assert response.status_code == 302
    answer = Response.objects.get(invitation=invitation)
    assert (answer.score, answer.comment, answer.kind) == (4, "Quick and kind", "csat")
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    entry = TimelineEntry.objects.get(person=emily, kind="survey.answered")
    assert entry.data["score"] == 4


def test_a_post_without_the_csrf_token_is_refused(invitation):
    response = Client(enforce_csrf_checks=True).post(_path(invitation), {"score": "4"})

    assert response.status_code == 403
    assert not Response.objects.exists()


@pytest.mark.parametrize("score", ["6", "0", "-1", "abc", "", "99999999999999999999"])
def test_an_out_of_range_score_shows_the_form_with_a_field_error(invitation, score):
    response = Client().post(_path(invitation), {"score": score, "comment": "x"})

    assert response.status_code == 422
    assert 'data-testid="error-score"' in response.content.decode()
    assert "Choose a score from 1 to 5." in response.content.decode()
    assert not Response.objects.exists()


def test_html_in_the_comment_is_shown_escaped(invitation):
    client = Client()
    client.post(_path(invitation), {"score": "5", "comment": "<script>alert(1)</script><b>x"})

    page = client.get(_path(invitation)).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x" in page


def test_a_second_answer_within_seven_days_changes_the_first(invitation, emily):
    client = Client()
    client.post(_path(invitation), {"score": "3", "comment": "ok"})
    first = Response.objects.get()
    Response.objects.filter(pk=first.pk).update(answered_at=timezone.now())

    client.post(_path(invitation), {"score": "5", "comment": "better now"})

    answer = Response.objects.get()
    assert answer.pk == first.pk
    assert (answer.score, answer.comment) == (5, "better now")
    entry = TimelineEntry.objects.get(person=emily, kind="survey.answered")
    assert entry.data["score"] == 5


def test_after_seven_days_the_answer_is_read_only(invitation):
    client = Client()
    client.post(_path(invitation), {"score": "3", "comment": "ok"})
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    type(invitation).objects.filter(pk=invitation.pk).update(answered_at=eight_days_ago)

    page = client.get(_path(invitation))
    refused = client.post(_path(invitation), {"score": "5", "comment": "changed"})

    assert 'data-testid="survey-locked"' in page.content.decode()
    assert 'data-testid="survey-form"' not in page.content.decode()
    assert refused.status_code == 409
    assert (Response.objects.get().score, Response.objects.get().comment) == (3, "ok")


def test_a_score_from_the_email_is_chosen_but_not_saved(invitation):
    page = Client().get(_path(invitation) + "?score=2").content.decode()

    assert 'value="2" checked' in page
    assert not Response.objects.exists()


def test_a_signed_in_user_may_answer_too(invitation, charlie):
    client = Client()
    client.force_login(charlie)

    response = client.post(_path(invitation), {"score": "5"})

    assert response.status_code == 302
    assert Response.objects.get().score == 5
