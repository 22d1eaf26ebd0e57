"""The periodic job turns the chats that are due into tickets without anybody polling."""

import datetime

from django.utils import timezone

from rapport.chat import services, tasks
from rapport.chat.models import ChatSession, ChatStatus
from rapport.service.models import TicketChannel


def start(site_key, question="Where is my parcel?") -> ChatSession:
    return services.chat_start(site_key=site_key, data={"question": question}, ip="192.0.2.1")


def test_the_job_converts_chats_waiting_too_long_and_only_once(site_key, sam):
    services.agent_seen(user=sam)
    late, fresh = start(site_key, "Late"), start(site_key, "Fresh")
    ChatSession.objects.filter(pk=late.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    assert tasks.convert_due_chats() == 1
    assert tasks.convert_due_chats() == 0

    late.refresh_from_db()
    fresh.refresh_from_db()
    assert (late.status, late.ticket.channel) == (ChatStatus.TICKET, TicketChannel.CHAT)
    assert fresh.status == ChatStatus.WAITING


def test_the_job_converts_every_waiting_chat_once_no_agent_is_online(site_key, sam):
    services.agent_seen(user=sam)
    chat = start(site_key)
    services.agent_leave(user=sam)

    assert tasks.convert_due_chats() == 1

    chat.refresh_from_db()
    assert chat.status == ChatStatus.TICKET


def test_the_job_costs_two_queries_when_nothing_is_due(site_key, sam, django_assert_num_queries):
    services.agent_seen(user=sam)
    for n in range(3):
        start(site_key, f"Question {n}")

    with django_assert_num_queries(2):
        assert tasks.convert_due_chats() == 0
