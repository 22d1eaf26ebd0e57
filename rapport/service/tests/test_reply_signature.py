"""An agent's reply signature: set on their own service profile, sent under their e-mailed
replies (through the real SMTP test server) and shown under the reply box; their name and team
when they set none."""

import email

import pytest
from django.urls import reverse

from rapport.core.errors import ValidationFailed
from rapport.messaging.services import messages_deliver
from rapport.service.models import AgentProfile
from rapport.service.services import agent_profile_set, ticket_reply

SIGNATURE = "李小明 · 售后服务部\n电话 400-800-1234"


def sent_body(smtp_server) -> str:
    messages_deliver()
    [(_, raw)] = smtp_server.received
    message = email.message_from_bytes(raw)
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode(part.get_content_charset())


def test_the_agent_sets_their_signature_and_the_customer_gets_it(client, smtp_server, sam, ticket):
    client.force_login(sam)
    response = client.post(
        reverse("service:agent_edit", args=[sam.pk]),
        {"skills": "", "languages": ["zh-hans"], "signature": SIGNATURE.replace("\n", "\r\n")},
    )
    assert response.status_code == 302

    ticket_reply(actor=sam, ticket=ticket, body="请重启一下显示器。")

    body = sent_body(smtp_server)
    assert body.replace("\r\n", "\n").rstrip().endswith("请重启一下显示器。\n-- \n" + SIGNATURE)
    assert "Sam Lee" not in body
    # The ticket keeps the reply as written; the signature is the e-mail's.
    assert ticket.messages.order_by("id").last().body == "请重启一下显示器。"


def test_without_a_signature_the_reply_is_signed_with_name_and_team(smtp_server, sam, ticket):
    ticket_reply(actor=sam, ticket=ticket, body="Please restart it.")

    body = sent_body(smtp_server).replace("\r\n", "\n")
    assert "Please restart it.\n-- \nSam Lee\nSupport" in body


def test_the_reply_box_shows_the_signature_escaped(client, sam, ticket):
    agent_profile_set(actor=sam, user=sam, data={"signature": "Sam <b>Lee</b>\nSupport"})
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()

    assert 'data-testid="reply-signature"' in html
    assert "Sam &lt;b&gt;Lee&lt;/b&gt;\nSupport" in html
    assert "<b>Lee</b>" not in html


def test_the_default_signature_is_previewed_when_none_is_set(client, sam, ticket):
    client.force_login(sam)

    html = client.get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()

    assert "-- \nSam Lee\nSupport</pre>" in html


def test_a_signature_of_too_many_lines_or_control_characters_is_refused_or_cleaned(sam):
    with pytest.raises(ValidationFailed):
        agent_profile_set(actor=sam, user=sam, data={"signature": "\n".join("x" * 9)})

    agent_profile_set(actor=sam, user=sam, data={"signature": "  Sam\x1b[31m  \r\nSupport  "})

    assert AgentProfile.objects.get(user=sam).signature == "Sam[31m\nSupport"


def test_an_agent_cannot_set_a_colleagues_signature(client, sam, sue):
    client.force_login(sam)

    response = client.post(reverse("service:agent_edit", args=[sue.pk]), {"signature": "Not Sue"})

    assert response.status_code == 403
    assert not AgentProfile.objects.filter(user=sue, signature="Not Sue").exists()
