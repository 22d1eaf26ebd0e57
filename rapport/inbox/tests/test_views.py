"""The administrators' inbound pages, and who may download an attachment."""

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core.events import _handlers, subscribe
from rapport.customers.services import person_create
from rapport.inbox.events import InboundMailReceived
from rapport.inbox.models import InboundAttachment, InboundMessage, InboundStatus
from rapport.inbox.services import inbound_receive

RAW_WITH_ATTACHMENT = (
    b"From: Wang Fang <wang@example.com>\r\n"
    b"Subject: =?gb2312?B?us/NrA==?=\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n'
    b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nSigned.\r\n"
    b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="c.pdf"\r\n'
    b"\r\n%PDF-signed\r\n--b--\r\n"
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def receive(raw: bytes, uid: int = 1) -> InboundMessage:
    return inbound_receive(mailbox="shared", uidvalidity=1, uid=uid, raw=raw)


@pytest.fixture
def wang_mail(alice):
    person_create(
        actor=alice, data={"full_name": "王芳", "emails": [{"email": "wang@example.com"}]}
    )
    return receive(RAW_WITH_ATTACHMENT)


def test_attachment_is_downloadable_by_whoever_sees_the_person_only(
    wang_mail, alice, bob, charlie, admin_user
):
    attachment = InboundAttachment.objects.get(message=wang_mail)
    url = reverse("inbox:attachment_download", args=[attachment.pk])

    own = client_for(alice).get(url)
    answers = [client_for(user).get(url).status_code for user in (bob, charlie, admin_user)]

    assert own.status_code == 200
    assert own.content == b"%PDF-signed"
    assert own["Content-Type"] == "application/octet-stream"
    assert 'filename="c.pdf"' in own["Content-Disposition"]
    assert answers == [200, 404, 200]


def test_attachment_of_mail_from_unknown_sender_is_for_administrators_only(alice, admin_user):
    inbound = receive(RAW_WITH_ATTACHMENT.replace(b"wang@example.com", b"new@example.org"))
    url = reverse("inbox:attachment_download", args=[inbound.attachments.get().pk])

    assert client_for(alice).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


def test_person_timeline_shows_the_mail_with_its_attachment_link(wang_mail, alice):
    attachment = wang_mail.attachments.get()

    page = client_for(alice).get(reverse("activities:person_timeline", args=[wang_mail.person_id]))

    html = page.content.decode()
    assert "E-mail from Wang Fang: 合同" in html
    assert reverse("inbox:attachment_download", args=[attachment.pk]) in html


def test_administrators_see_inbound_list_and_failed_message_with_its_reason(
    admin_user, django_assert_max_num_queries
):
    for uid in range(1, 6):
        receive(RAW_WITH_ATTACHMENT.replace(b"wang@", f"n{uid}@".encode()), uid=uid)
    failed = receive(b"Subject: who?\r\n\r\nno sender\r\n", uid=9)
    client = client_for(admin_user)

    with django_assert_max_num_queries(8):
        listing = client.get(reverse("inbox:inbound_list"))
    detail = client.get(reverse("inbox:inbound_detail", args=[failed.pk]))
    failed_only = client.get(reverse("inbox:inbound_list"), {"status": "failed"})

    assert listing.status_code == 200
    assert listing.content.decode().count('data-testid="inbound-') >= 6
    assert "The message has no sender address (From)." in detail.content.decode()
    assert 'data-testid="inbound-reprocess"' in detail.content.decode()
    assert f'data-testid="inbound-{failed.pk}"' in failed_only.content.decode()
    raw = client.get(reverse("inbox:inbound_raw", args=[failed.pk]))
    assert raw.content == b"Subject: who?\r\n\r\nno sender\r\n"


def test_inbound_pages_are_for_administrators(wang_mail, alice):
    client = client_for(alice)

    assert client.get(reverse("inbox:inbound_list")).status_code == 403
    assert client.get(reverse("inbox:inbound_detail", args=[wang_mail.pk])).status_code == 403
    process = client.post(reverse("inbox:inbound_reprocess", args=[wang_mail.pk]))
    assert process.status_code == 403


def test_process_again_succeeds_once_the_cause_is_gone(alice, admin_user):
    person_create(
        actor=alice, data={"full_name": "王芳", "emails": [{"email": "wang@example.com"}]}
    )

    def explode(event):
        raise RuntimeError("subscriber broke")

    subscribe(InboundMailReceived)(explode)
    try:
        inbound = receive(RAW_WITH_ATTACHMENT)
    finally:
        _handlers[InboundMailReceived].remove(explode)
    assert inbound.status == InboundStatus.FAILED

    response = client_for(admin_user).post(reverse("inbox:inbound_reprocess", args=[inbound.pk]))

    inbound.refresh_from_db()
    assert response.status_code == 302
    assert (inbound.status, inbound.error, inbound.attempts) == (InboundStatus.PROCESSED, "", 2)
    assert inbound.attachments.count() == 1
    assert inbound.person.full_name == "王芳"
