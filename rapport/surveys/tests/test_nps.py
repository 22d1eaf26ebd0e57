"""NPS rounds: sent to the tagged persons in batches, resumable after a crash, never twice."""

import datetime

import pytest
from django.utils import timezone

from rapport.customers.models import Tag
from rapport.customers.services import person_create
from rapport.messaging.models import Message, MessageKind, MessageStatus
from rapport.messaging.services import consent_set
from rapport.surveys import services
from rapport.surveys.models import Invitation, SurveyRound
from rapport.surveys.services import nps_round_run, nps_send_due, survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(db):
    return Tag.objects.create(name="NPS panel")


@pytest.fixture
def persons(alice, panel):
    return [
        person_create(
            actor=alice,
            data={
                "full_name": f"Customer {n}",
                "emails": [{"email": f"customer{n}@example.com"}],
                "tag_ids": [panel.pk],
            },
        )
        for n in range(7)
    ]


@pytest.fixture
def nps(admin_user, panel):
    return survey_create(
        actor=admin_user,
        data={"kind": "nps", "name": "Quarterly NPS", "audience_tag_id": panel.pk},
    )


def _survey_messages():
    return Message.objects.filter(send_key__startswith="survey-invitation:")


def test_a_due_round_invites_every_tagged_person_once_as_marketing_mail(nps, persons):
    worked = nps_send_due()

    assert worked == 1
    assert Invitation.objects.filter(survey=nps).count() == 7
    assert _survey_messages().count() == 7
    assert set(_survey_messages().values_list("kind", flat=True)) == {MessageKind.MARKETING}
    nps.refresh_from_db()
    assert nps.next_run_at > timezone.now() + datetime.timedelta(days=89)
    assert SurveyRound.objects.get().finished_at is not None


def test_running_again_sends_nothing_more(nps, persons):
    nps_send_due()
    nps_send_due()
    nps_round_run(survey_id=nps.pk)

    assert _survey_messages().count() == 7


def test_a_crash_mid_batch_sends_nobody_twice_and_the_next_run_finishes(nps, persons, monkeypatch):
    real_invite = services._invite
    calls = {"n": 0}

    def crashing_invite(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # the second person of the second batch
            raise RuntimeError("worker killed")
        return real_invite(*args, **kwargs)

    monkeypatch.setattr(services, "_invite", crashing_invite)
    with pytest.raises(RuntimeError):
        nps_round_run(survey_id=nps.pk, batch_size=3)

    # The first batch went; the interrupted one left nothing behind.
    assert _survey_messages().count() == 3
    current = SurveyRound.objects.get()
    assert current.finished_at is None
    assert current.last_person_id == persons[2].pk

    monkeypatch.setattr(services, "_invite", real_invite)
    nps_send_due()

    assert _survey_messages().count() == 7
    assert sorted(Invitation.objects.values_list("person_id", flat=True)) == sorted(
        p.pk for p in persons
    )
    assert SurveyRound.objects.get().finished_at is not None


def test_the_quiet_period_and_consent_are_respected(nps, persons, invitation):
    # Emily was asked about her ticket just now; tag her for NPS too.
    invitation.person.tags.add(nps.audience_tag)
    consent_set(person=persons[0], channel="email", status="opted_out", source="test")

    nps_send_due()

    assert not Invitation.objects.filter(survey=nps, person=invitation.person).exists()
    refused = Message.objects.get(to_address="customer0@example.com")
    assert refused.status == MessageStatus.SKIPPED
    assert Invitation.objects.get(survey=nps, person=persons[0]).sent_at is None


def test_a_survey_not_yet_due_sends_nothing(nps, persons):
    nps.next_run_at = timezone.now() + datetime.timedelta(days=1)
    nps.save()

    assert nps_send_due() == 0
    assert not _survey_messages().exists()


def test_an_nps_survey_needs_its_audience(admin_user):
    from rapport.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as raised:
        survey_create(actor=admin_user, data={"kind": "nps", "name": "No audience"})

    assert "audience_tag_id" in raised.value.details
