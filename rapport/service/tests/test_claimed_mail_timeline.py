"""Support mail from a known person goes on the timeline once, as the ticket's entry: the inbox
leaves its own "e-mail received" entry to the app that claimed the message; other mail from
the same person keeps it."""

from rapport.activities.models import TimelineEntry
from rapport.inbox.services import mailbox_poll
from rapport.inbox.tests.test_polling import mail
from rapport.service.tests.test_email_channel import support_mail
from rapport.service.tests.test_email_channel import support_mailbox as support_mailbox_fixture

support_mailbox = support_mailbox_fixture


def test_support_mail_from_a_known_person_gets_only_the_tickets_timeline_entry(
    support_mailbox, emily
):
    support_mailbox.deliver(
        support_mail(sender="emily@example.com", subject="Screen flickers", body="Help")
    )
    support_mailbox.deliver(mail(sender="emily@example.com", subject="Price list?", body="Hi"))

    mailbox_poll()

    kinds = sorted(TimelineEntry.objects.filter(person=emily).values_list("kind", "title"))
    assert ("ticket.created", "Screen flickers") in kinds
    assert ("inbox.received", "Price list?") in kinds
    assert ("inbox.received", "Screen flickers") not in kinds
