"""@mentions: how a colleague is named in a text, and who hears of it.

The token. Typing "@" in a text that takes mentions opens a list of colleagues
(static/js/collab.js, fed by `activities:mention_suggestions`); picking one inserts

    @[吴静](user:12)

the name as it was shown and the user's id. The id makes the mention stable (a renamed user, two
people both called 张伟, a Chinese name with no space to end it); the name lets the text read well
where it is shown raw (an export, an e-mail) and is what `render_mentions` shows, as a chip. A
plain "@word" is not a mention: imported notes are full of Twitter handles and e-mail addresses
that must notify nobody. API clients write the same token.

Who hears of it. `mentions_notify` is called by the service that saved the text (interactions,
a person's or company's notes through their events, later tickets) with a test of who may see the
record. Each mentioned user who may see it is notified once per text (a `Mention` row is written
the first time; editing the text again notifies only users newly added), in the app and, if they
chose so, by e-mail in their language. A mentioned user who may not see the record is notified of
nothing, and the author gets a notification naming them.
"""

import dataclasses
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rapport.accounts.access import linked_records_q, visible_records_q
from rapport.accounts.models import User
from rapport.activities.events import MentionsNotified
from rapport.activities.models import Interaction, Mention, Notification
from rapport.core.events import publish
from rapport.customers.models import Company, Person

logger = logging.getLogger(__name__)

# "@[name](user:12)": the name has no brackets and no line break; ids are positive integers.
MENTION = re.compile(r"@\[(?P<name>[^\[\]\n]{1,100})\]\(user:(?P<id>[1-9][0-9]{0,11})\)")
# More mentions than this in one text are ignored: a text is not a mailing list.
MAX_MENTIONS = 20


@dataclasses.dataclass
class MentionOutcome:
    notified: list[User] = dataclasses.field(default_factory=list)
    # Mentioned users who may not see the record: not notified; the author was told.
    refused: list[User] = dataclasses.field(default_factory=list)


def mention_token(user: User) -> str:
    """The token that mentions `user`, as the suggestion list inserts it."""
    name = re.sub(r"[\[\]\n]", " ", str(user)).strip()[:100] or user.username
    return f"@[{name}](user:{user.pk})"


def mentioned_user_ids(text: str) -> list[int]:
    """The ids the text's tokens name, each once, in the order they first appear."""
    ids: dict[int, None] = {}
    for match in MENTION.finditer(text or ""):
        ids[int(match["id"])] = None
        if len(ids) >= MAX_MENTIONS:
            break
    return list(ids)


def render_mentions(text: str) -> SafeString:
    """`text` as HTML: escaped, with each token shown as a chip holding "@name"."""
    parts, position = [], 0
    text = text or ""
    for match in MENTION.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(
            f'<span class="mention" data-user-id="{int(match["id"])}" translate="no">'
            f"@{escape(match['name'])}</span>"
        )
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 -- every piece above is escaped


def plain_mentions(text: str) -> str:
    """`text` with each token shortened to "@name", for a notification or an e-mail."""
    return MENTION.sub(lambda m: f"@{m['name']}", text or "")


def mentions_notify(
    *,
    actor: User,
    text: str,
    source_type: str,
    source_id: int,
    title: str,
    url: str,
    may_see: Callable[[User], bool],
) -> MentionOutcome:
    """Notify the users `text` mentions for the first time in this record's text.

    `source_type`/`source_id` name the text's record ("interaction", 42); `title` is what the
    notification calls it (the record's name) and `url` the page it links to. `may_see(user)`
    says whether a user may see the record: only they are notified. The author mentioning
    themselves is ignored. Runs in the caller's transaction; the e-mails go after it commits.
    """
    outcome = MentionOutcome()
    ids = [pk for pk in mentioned_user_ids(text) if pk != actor.pk]
    if not ids:
        return outcome
    already = set(
        Mention.objects.filter(
            source_type=source_type, source_id=source_id, mentioned_id__in=ids
        ).values_list("mentioned_id", flat=True)
    )
    users = User.objects.filter(pk__in=[pk for pk in ids if pk not in already], is_active=True)
    mentions = []
    for user in sorted(users, key=lambda u: ids.index(u.pk)):
        if not may_see(user):
            outcome.refused.append(user)
            continue
        try:
            with transaction.atomic():
                mention = Mention.objects.create(
                    source_type=source_type, source_id=source_id, mentioned=user, author=actor
                )
        except IntegrityError:
            continue  # saved at the same moment by another request: notified there
        _notify(
            recipient=user,
            kind="mention",
            title=title,
            body=plain_mentions(text)[:1000],
            url=url,
            actor_id=actor.pk,
            target_type=source_type,
            target_id=source_id,
        )
        outcome.notified.append(user)
        if user.wants_email_notifications:
            mentions.append(mention.pk)
    if outcome.refused:
        _notify(
            recipient=actor,
            kind="mention.refused",
            title=title,
            body=", ".join(str(user) for user in outcome.refused),
            url=url,
            target_type=source_type,
            target_id=source_id,
        )
    if mentions:
        excerpt = plain_mentions(text)[:1000]
        publish(
            MentionsNotified(mention_ids=tuple(mentions), url=url, title=title, excerpt=excerpt)
        )
    return outcome


def _notify(*, recipient: User, kind: str, title: str, body: str, url: str, **extra) -> None:
    # What `services.notification_create` does; not imported from there because the
    # interaction services call this module.
    Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], body=body, url=url[:500], **extra
    )


def mention_email_send(*, mention_id: int, url: str, title: str, excerpt: str = "") -> bool:
    """E-mail one mentioned user, in their language; False if there is nobody to send to."""
    mention = Mention.objects.select_related("mentioned", "author").filter(pk=mention_id).first()
    if mention is None:
        return False
    user = mention.mentioned
    if not (user.is_active and user.wants_email_notifications):
        return False
    author = str(mention.author) if mention.author else "Rapport"
    with translation.override(user.language):
        subject = _("%(author)s mentioned you: %(title)s") % {"author": author, "title": title}
        body = render_to_string(
            "activities/email/mention.txt",
            {
                "user": user,
                "author": author,
                "title": title,
                "excerpt": excerpt,
                "url": settings.RAPPORT_BASE_URL.rstrip("/") + url,
            },
        )
    send_mail(
        subject=" ".join(subject.split()),  # a header: no line breaks from the title
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


# --- The texts of this app and of customers that take mentions -----------------------------------


def _record_url(*, person_id: int | None, company_id: int | None) -> str:
    if person_id:
        return reverse("customers:person_detail", args=[person_id])
    if company_id:
        return reverse("customers:company_detail", args=[company_id])
    return reverse("activities:interaction_list")


def interaction_mentions_notify(*, actor: User, interaction: Interaction) -> MentionOutcome:
    """Mentions in an interaction's content and outcome: a mentioned user must be able to see
    the interaction (its person, or its company when it has no person)."""
    return mentions_notify(
        actor=actor,
        text="\n".join(t for t in (interaction.content, interaction.outcome) if t),
        source_type="interaction",
        source_id=interaction.pk,
        title=interaction.subject,
        url=_record_url(person_id=interaction.person_id, company_id=interaction.company_id),
        may_see=lambda user: Interaction.objects.filter(
            linked_records_q(user), pk=interaction.pk
        ).exists(),
    )


def person_notes_mentions_notify(*, actor_id: int, person_id: int) -> MentionOutcome | None:
    """Mentions in a person's notes; None (and no further query) when the notes have none."""
    person = Person.objects.filter(pk=person_id, notes__contains="@[").first()
    actor = User.objects.filter(pk=actor_id).first() if person is not None else None
    if actor is None:
        return None
    return mentions_notify(
        actor=actor,
        text=person.notes,
        source_type="person",
        source_id=person.pk,
        title=person.full_name,
        url=_record_url(person_id=person.pk, company_id=None),
        may_see=lambda user: Person.objects.filter(visible_records_q(user), pk=person.pk).exists(),
    )


def company_notes_mentions_notify(*, actor_id: int, company_id: int) -> MentionOutcome | None:
    """Mentions in a company's notes; None (and no further query) when the notes have none."""
    company = Company.objects.filter(pk=company_id, notes__contains="@[").first()
    actor = User.objects.filter(pk=actor_id).first() if company is not None else None
    if actor is None:
        return None
    return mentions_notify(
        actor=actor,
        text=company.notes,
        source_type="company",
        source_id=company.pk,
        title=company.name,
        url=_record_url(person_id=None, company_id=company.pk),
        may_see=lambda user: Company.objects.filter(
            visible_records_q(user), pk=company.pk
        ).exists(),
    )
