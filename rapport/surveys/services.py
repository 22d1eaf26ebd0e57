"""Writes of the surveys app: surveys (administrators), invitations (CSAT when a ticket is
resolved, the confirmation when a complaint is closed, NPS rounds on a schedule) and answers from
the public page.

Sending is idempotent end to end: an invitation is unique per ticket and kind (CSAT, the
complaint's confirmation) or per round and person (NPS), and its e-mail is queued through
messaging under the send key `survey-invitation:<id>`, in the same transaction as the
invitation. Messaging claims a message before it talks to the mail server, so neither a replayed
job nor a crash mid-batch sends a survey twice (docs/decisions.md, "Surveys").
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.accounts.saved_view_selectors import saved_views_visible_to
from rapport.activities.services import timeline_add, timeline_refresh
from rapport.activities.task_services import task_create_follow_up
from rapport.core.cleaning import (
    FieldErrors,
    clean_choice,
    clean_flag,
    clean_int,
    clean_text,
    parse_int,
)
from rapport.core.errors import ApplicationError, check_version
from rapport.core.records import record_changed
from rapport.customers.models import Person, Tag
from rapport.customers.selectors import persons_of_list_query
from rapport.messaging.models import MessageKind, MessageStatus
from rapport.messaging.rendering import html_from_text
from rapport.messaging.selectors import person_language
from rapport.messaging.services import email_send
from rapport.service.models import Ticket, TicketStatus, TicketType
from rapport.surveys import links
from rapport.surveys.models import (
    ANSWER_CHANGEABLE_DAYS,
    CONFIRM_NO,
    CONFIRM_YES,
    DEFAULT_CONFIRM_QUESTION_EN,
    DEFAULT_CONFIRM_QUESTION_ZH,
    DEFAULT_CSAT_QUESTION_EN,
    DEFAULT_CSAT_QUESTION_ZH,
    DEFAULT_NPS_QUESTION_EN,
    DEFAULT_NPS_QUESTION_ZH,
    SCORE_RANGE,
    Invitation,
    Response,
    Survey,
    SurveyKind,
    SurveyRound,
    is_detractor,
)

logger = logging.getLogger(__name__)

SURVEY_FIELDS = (
    "kind",
    "name",
    "question_zh",
    "question_en",
    "audience_tag_id",
    "audience_view_id",
    "every_days",
    "quiet_days",
    "is_active",
    "next_run_at",
)
COMMENT_MAX = 5000
NPS_BATCH = 200
# How soon the owner should call back an unhappy customer.
DETRACTOR_CALL_WITHIN = datetime.timedelta(days=1)


class AnswerLocked(ApplicationError):
    """The invitation was answered more than ANSWER_CHANGEABLE_DAYS ago."""

    status = 409

    def __init__(self):
        super().__init__(
            "answer_locked",
            _(
                "Thank you, your answer was recorded. It can no longer be changed: answers "
                "can be changed for %(days)d days."
            )
            % {"days": ANSWER_CHANGEABLE_DAYS},
        )


# --- Surveys (administrators) ------------------------------------------------------------------


def _clean_survey(data: dict, *, actor: User, survey: Survey | None) -> dict:
    partial = survey is not None
    errors = FieldErrors()
    for key in data:
        if key not in SURVEY_FIELDS and key != "version":
            errors.add(key, _("Unknown field."))
    cleaned: dict = {}
    kind = survey.kind if survey else None
    if "kind" in data or not partial:
        if partial and data.get("kind") not in (None, survey.kind):
            errors.add("kind", _("The kind of a survey cannot be changed."))
        else:
            kind = clean_choice(
                data.get("kind"), "kind", errors, choices=SurveyKind.values, list_choices=True
            )
            cleaned["kind"] = kind
    if "name" in data or not partial:
        cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=200, required=True)
    for key in ("question_zh", "question_en"):
        if key in data or not partial:
            cleaned[key] = clean_text(data.get(key), key, errors, limit=300)
    # An empty question takes the standard wording of its kind.
    defaults = {
        SurveyKind.CSAT: (DEFAULT_CSAT_QUESTION_ZH, DEFAULT_CSAT_QUESTION_EN),
        SurveyKind.NPS: (DEFAULT_NPS_QUESTION_ZH, DEFAULT_NPS_QUESTION_EN),
        SurveyKind.CONFIRM: (DEFAULT_CONFIRM_QUESTION_ZH, DEFAULT_CONFIRM_QUESTION_EN),
    }.get(kind, ("", ""))
    for key, default in (("question_zh", defaults[0]), ("question_en", defaults[1])):
        if key in cleaned and not cleaned[key]:
            cleaned[key] = default
    if "audience_tag_id" in data or not partial:
        tag_id = data.get("audience_tag_id")
        if tag_id in (None, ""):
            cleaned["audience_tag"] = None
        else:
            tag_pk = parse_int(tag_id)
            tag = Tag.objects.filter(pk=tag_pk).first() if tag_pk is not None else None
            if tag is None:
                errors.add("audience_tag_id", _("There is no such tag."))
            cleaned["audience_tag"] = tag
    if "audience_view_id" in data or not partial:
        view_id = data.get("audience_view_id")
        if view_id in (None, ""):
            cleaned["audience_view"] = None
        else:
            # A view of the persons list the administrator can see: their own or a shared one.
            view_pk = parse_int(view_id)
            view = (
                saved_views_visible_to(actor, "persons").filter(pk=view_pk).first()
                if view_pk is not None
                else None
            )
            if view is None:
                errors.add("audience_view_id", _("There is no such saved view of persons."))
            cleaned["audience_view"] = view
    for key, low, high, default in (("every_days", 1, 3650, 90), ("quiet_days", 0, 3650, 7)):
        if key in data or not partial:
            value = data.get(key)
            cleaned[key] = (
                default
                if value in (None, "")
                else clean_int(
                    value,
                    key,
                    errors,
                    message=_("Enter a whole number from %(low)d to %(high)d.")
                    % {"low": low, "high": high},
                    min_value=low,
                    max_value=high,
                )
            )
    if "is_active" in data or not partial:
        cleaned["is_active"] = clean_flag(data.get("is_active", True), "is_active", errors)
    if "next_run_at" in data:
        value = data.get("next_run_at")
        if value in (None, ""):
            cleaned["next_run_at"] = None
        elif isinstance(value, datetime.datetime):
            cleaned["next_run_at"] = value
        else:
            try:
                parsed = datetime.datetime.fromisoformat(str(value))
            except ValueError:
                errors.add("next_run_at", _("Enter a date and time."))
            else:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                cleaned["next_run_at"] = parsed
    if kind == SurveyKind.NPS:
        tag = cleaned.get("audience_tag", survey.audience_tag if survey else None)
        view = cleaned.get("audience_view", survey.audience_view if survey else None)
        if (
            tag is None
            and view is None
            and not {"audience_tag_id", "audience_view_id"} & set(errors)
        ):
            errors.add(
                "audience_tag_id",
                _("Choose the tag or the saved view of the persons this survey is sent to."),
            )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def survey_create(*, actor: User, data: dict) -> Survey:
    require_settings_manager(actor)
    cleaned = _clean_survey(data, actor=actor, survey=None)
    if cleaned["kind"] == SurveyKind.NPS and "next_run_at" not in cleaned:
        cleaned["next_run_at"] = timezone.now()
    return Survey.objects.create(created_by=actor, **cleaned)


@transaction.atomic
def survey_update(*, actor: User, survey: Survey, data: dict, version: int | None = None) -> Survey:
    require_settings_manager(actor)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    check_version(survey, version if version is not None else data.get("version"))
    cleaned = _clean_survey(data, actor=actor, survey=survey)
    for key, value in cleaned.items():
        setattr(survey, key, value)
    survey.version += 1
    survey.save()
    return survey


# --- Invitations -------------------------------------------------------------------------------


def _asked_recently(email: str, quiet_days: int, now: datetime.datetime) -> bool:
    if quiet_days <= 0:
        return False
    since = now - datetime.timedelta(days=quiet_days)
    return Invitation.objects.filter(email=email, created_at__gte=since).exists()


def _invitation_mail(invitation: Invitation, survey: Survey, name: str) -> tuple[str, str]:
    """Subject and text of the invitation, in the person's language, with one link per score
    (each opens the page with that score chosen, still to be confirmed there: mail scanners
    follow links)."""
    if survey.kind == SurveyKind.CONFIRM:
        return _confirmation_mail(invitation, survey, name)
    low, high = SCORE_RANGE[survey.kind]
    with translation.override(invitation.language):
        if invitation.ticket_id is not None:
            subject = _("How did we do? (ticket %(number)s)") % {"number": invitation.ticket.number}
        else:
            subject = _("A quick question from us")
        greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
        scale = (
            _("Choose a score from %(low)d (not at all satisfied) to %(high)d (very satisfied):")
            if survey.kind == SurveyKind.CSAT
            else _(
                "Choose a score from %(low)d (not at all likely) to %(high)d (extremely likely):"
            )
        ) % {"low": low, "high": high}
        lines = [
            greeting,
            "",
            survey.question(invitation.language),
            "",
            scale,
            "",
        ]
        lines += [
            f"{score}: {links.answer_url(invitation, score=score)}"
            for score in range(low, high + 1)
        ]
        lines += [
            "",
            _("Or open the survey: %(url)s") % {"url": links.answer_url(invitation)},
            "",
            _("You can change your answer for %(days)d days.") % {"days": ANSWER_CHANGEABLE_DAYS},
        ]
    return subject, "\n".join(lines)


def _confirmation_mail(invitation: Invitation, survey: Survey, name: str) -> tuple[str, str]:
    """The complaint's confirmation: yes or no, one link each (confirmed on the page)."""
    with translation.override(invitation.language):
        subject = _("Is your complaint resolved? (ticket %(number)s)") % {
            "number": invitation.ticket.number
        }
        greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
        lines = [
            greeting,
            "",
            _("We have closed your complaint %(number)s.") % {"number": invitation.ticket.number},
            survey.question(invitation.language),
            "",
            _("Yes: %(url)s") % {"url": links.answer_url(invitation, score=CONFIRM_YES)},
            _("No: %(url)s") % {"url": links.answer_url(invitation, score=CONFIRM_NO)},
            "",
            _("You can change your answer for %(days)d days.") % {"days": ANSWER_CHANGEABLE_DAYS},
        ]
    return subject, "\n".join(lines)


def _invite(
    survey: Survey,
    *,
    email: str,
    person: Person | None,
    language: str,
    now: datetime.datetime,
    ticket: Ticket | None = None,
    round: SurveyRound | None = None,
    name: str = "",
) -> Invitation:
    invitation = Invitation.objects.create(
        survey=survey,
        kind=survey.kind,
        person=person,
        email=email,
        ticket=ticket,
        round=round,
        language=language,
    )
    subject, body = _invitation_mail(invitation, survey, name)
    # CSAT and the confirmation follow a conversation the customer started: service mail, like
    # the ticket's replies. NPS is unsolicited: marketing mail, so consent and suppression apply.
    kind = MessageKind.MARKETING if survey.kind == SurveyKind.NPS else MessageKind.TRANSACTIONAL
    message = email_send(
        to_address=email,
        subject=subject,
        body_text=body,
        body_html=html_from_text(body),
        person=person,
        kind=kind,
        send_key=f"survey-invitation:{invitation.pk}",
        origin=f"survey:{survey.pk}",
        language=language,
    )
    invitation.message = message
    if message.status != MessageStatus.SKIPPED:
        invitation.sent_at = now
    invitation.save(update_fields=["message", "sent_at", "updated_at"])
    return invitation


def active_survey(kind: str) -> Survey | None:
    """The active survey of a kind (the oldest, if administrators made several)."""
    return Survey.objects.filter(kind=kind, is_active=True).order_by("pk").first()


def csat_survey() -> Survey | None:
    return active_survey(SurveyKind.CSAT)


@transaction.atomic
def csat_invite_for_ticket(
    *, ticket_id: int, now: datetime.datetime | None = None
) -> Invitation | None:
    """Ask the customer of a resolved ticket how satisfied they are, at most once per ticket and
    not when their address was asked anything within the survey's quiet period. A complaint
    being closed is asked its confirmation instead (`confirmation_invite_for_ticket`), not both
    at once. Returns the invitation, or None when nothing is to be asked."""
    ticket = Ticket.objects.select_related("person").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return None
    if ticket.type == TicketType.COMPLAINT and ticket.status == TicketStatus.CLOSED:
        return None
    return _ask_about_ticket(active_survey(SurveyKind.CSAT), ticket, now or timezone.now())


@transaction.atomic
def confirmation_invite_for_ticket(
    *, ticket_id: int, now: datetime.datetime | None = None
) -> Invitation | None:
    """Ask the customer of a closed complaint to confirm they are satisfied (yes or no), once
    per complaint. A "no" gives the customer's owner a call-back task and reopens nothing: the
    owner decides (`response_submit`)."""
    ticket = Ticket.objects.select_related("person").filter(pk=ticket_id).first()
    if (
        ticket is None
        or ticket.type != TicketType.COMPLAINT
        or ticket.status != TicketStatus.CLOSED
    ):
        return None
    return _ask_about_ticket(active_survey(SurveyKind.CONFIRM), ticket, now or timezone.now())


def _ask_about_ticket(
    survey: Survey | None, ticket: Ticket, now: datetime.datetime
) -> Invitation | None:
    if survey is None or ticket.merged_into_id is not None:
        return None
    if Invitation.objects.filter(ticket=ticket, kind=survey.kind).exists():
        return None
    person = ticket.person
    email = ((person.primary_email if person else "") or ticket.requester_email or "").lower()
    if not email or _asked_recently(email, survey.quiet_days, now):
        return None
    if ticket.language in ("en", "zh-hans"):
        language = ticket.language
    elif person is not None:
        language = person_language(person)
    else:
        language = settings.LANGUAGE_CODE
    name = str(person) if person is not None else ticket.requester_name
    try:
        with transaction.atomic():
            return _invite(
                survey,
                email=email,
                person=person,
                language=language,
                now=now,
                ticket=ticket,
                name=name,
            )
    except IntegrityError:
        # The same ticket resolved (or closed) twice at once: the other one asked.
        return None


def nps_round_run(
    *, survey_id: int, batch_size: int = NPS_BATCH, now: datetime.datetime | None = None
) -> SurveyRound | None:
    """Send the survey's current round (starting one when the survey is due), batch by batch.

    Each batch (invitations, their queued e-mails, the round's cursor) is one transaction, so a
    crash loses at most the batch in progress, which the next run does again from the cursor.
    Returns the round, or None when the survey is not due and has no round in progress.
    """
    now = now or timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None or survey.kind != SurveyKind.NPS:
            return None
        current = SurveyRound.objects.filter(survey=survey, finished_at__isnull=True).first()
        if current is None:
            if not survey.is_active or survey.next_run_at is None or survey.next_run_at > now:
                return None
            current = SurveyRound.objects.create(survey=survey)
            survey.next_run_at = now + datetime.timedelta(days=survey.every_days)
            survey.save(update_fields=["next_run_at", "updated_at"])
    while not _nps_batch(current.pk, batch_size=batch_size, now=now):
        pass
    current.refresh_from_db()
    return current


def _nps_audience(survey: Survey):
    """The persons an NPS survey asks: those with its tag, those its saved view of the persons
    list shows the view's owner, or, with both, those in both; None when it has neither (a
    deleted view)."""
    if survey.audience_tag_id is None and survey.audience_view_id is None:
        return None
    persons = Person.objects.all()
    if survey.audience_view_id is not None:
        view = survey.audience_view
        persons = persons_of_list_query(view.owner, view.query).select_related(None)
    if survey.audience_tag_id is not None:
        persons = persons.filter(tags=survey.audience_tag_id)
    return persons


@transaction.atomic
def _nps_batch(round_id: int, *, batch_size: int, now: datetime.datetime) -> bool:
    """Invite the next batch of the round's audience; True when the round is finished."""
    current = SurveyRound.objects.select_for_update().select_related("survey").get(pk=round_id)
    if current.finished_at is not None:
        return True
    survey = current.survey
    audience = _nps_audience(survey)
    persons = (
        list(audience.filter(pk__gt=current.last_person_id).order_by("pk")[:batch_size])
        if audience is not None
        else []
    )
    if not persons:
        current.finished_at = now
        current.save(update_fields=["finished_at"])
        return True
    for person in persons:
        email = (person.primary_email or "").lower()
        if (
            not email
            or Invitation.objects.filter(round=current, person=person).exists()
            or _asked_recently(email, survey.quiet_days, now)
        ):
            current.skipped += 1
            continue
        _invite(
            survey,
            email=email,
            person=person,
            language=person_language(person),
            now=now,
            round=current,
            name=str(person),
        )
        current.invited += 1
    current.last_person_id = persons[-1].pk
    current.save(update_fields=["last_person_id", "invited", "skipped"])
    return False


def nps_send_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: every NPS survey that is due or has a round in progress. Returns how
    many rounds were worked on."""
    now = now or timezone.now()
    due = Survey.objects.filter(kind=SurveyKind.NPS, is_active=True, next_run_at__lte=now)
    open_rounds = SurveyRound.objects.filter(finished_at__isnull=True).values("survey_id")
    ids = set(due.values_list("pk", flat=True)) | {r["survey_id"] for r in open_rounds}
    worked = 0
    for survey_id in sorted(ids):
        if nps_round_run(survey_id=survey_id, now=now) is not None:
            worked += 1
    return worked


# --- Answers -----------------------------------------------------------------------------------


def answer_locked(invitation: Invitation, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return invitation.answered_at is not None and now > invitation.answered_at + (
        datetime.timedelta(days=ANSWER_CHANGEABLE_DAYS)
    )


def _detractor_task(response: Response, invitation: Invitation, now: datetime.datetime) -> None:
    """A call-back task for the customer's owner (the ticket's agent when the customer has no
    active owner), once per response."""
    if response.detractor_task_id is not None or not response.is_detractor:
        return
    person = invitation.person
    owner = person.owner if person is not None and person.owner_id else None
    if owner is None or not owner.is_active:
        owner = response.agent
    if owner is None or not owner.is_active:
        return
    with translation.override(owner.language):
        if response.kind == SurveyKind.CONFIRM:
            title = _(
                "Call back: the customer is not satisfied with how complaint %(number)s was closed"
            ) % {"number": invitation.ticket.number}
        elif invitation.ticket_id is not None:
            title = _("Call back an unhappy customer: %(kind)s %(score)d on ticket %(number)s") % {
                "kind": response.get_kind_display(),
                "score": response.score,
                "number": invitation.ticket.number,
            }
        else:
            title = _("Call back an unhappy customer: %(kind)s %(score)d") % {
                "kind": response.get_kind_display(),
                "score": response.score,
            }
    task = task_create_follow_up(
        assignee=owner,
        title=title[:200],
        due_at=now + DETRACTOR_CALL_WITHIN,
        person_id=invitation.person_id,
        subject=invitation.ticket,
        subject_label=str(invitation.ticket)[:200] if invitation.ticket_id else "",
    )
    response.detractor_task = task
    response.save(update_fields=["detractor_task", "updated_at"])


def _timeline_data(response: Response, invitation: Invitation) -> dict:
    return {
        "kind": response.kind,
        "score": response.score,
        "number": invitation.ticket.number if invitation.ticket_id else "",
        "response_id": response.pk,
    }


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    score,
    comment: str = "",
    language: str = "",
    now: datetime.datetime | None = None,
) -> Response:
    """Record (or change, within ANSWER_CHANGEABLE_DAYS of the first answer) the answer to an
    invitation, from the public page: no actor. Raises ValidationFailed for an out-of-range
    score or a too long comment, AnswerLocked once the answer can no longer be changed."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("survey", "person", "ticket")
        .get(pk=invitation.pk)
    )
    if answer_locked(invitation, now):
        raise AnswerLocked()
    kind = invitation.survey.kind
    low, high = SCORE_RANGE[kind]
    errors = FieldErrors()
    value = clean_int(
        score,
        "score",
        errors,
        message=_("Choose a score from %(low)d to %(high)d.") % {"low": low, "high": high},
        min_value=low,
        max_value=high,
    )
    comment = clean_text(comment, "comment", errors, limit=COMMENT_MAX)
    errors.raise_if_any()
    language = language if language in ("en", "zh-hans") else invitation.language
    response = Response.objects.filter(invitation=invitation).first()
    ticket = invitation.ticket
    if response is None:
        response = Response.objects.create(
            invitation=invitation,
            survey=invitation.survey,
            kind=kind,
            person=invitation.person,
            ticket=ticket,
            agent_id=ticket.assignee_id if ticket else None,
            team_id=ticket.team_id if ticket else None,
            category_id=ticket.category_id if ticket else None,
            score=value,
            comment=comment,
            language=language,
            answered_at=now,
        )
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at", "updated_at"])
        if invitation.person_id is not None:
            response.timeline_entry = timeline_add(
                kind="survey.answered",
                title=invitation.survey.name,
                person_id=invitation.person_id,
                occurred_at=now,
                source_type="survey_response",
                source_id=response.pk,
                data=_timeline_data(response, invitation),
                about=ticket,
            )
            response.save(update_fields=["timeline_entry", "updated_at"])
        operation = "created"
        changed: tuple[str, ...] = ()
    else:
        changed = tuple(
            name
            for name, new in (("score", value), ("comment", comment), ("language", language))
            if getattr(response, name) != new
        )
        if not changed:
            return response
        response.score = value
        response.comment = comment
        response.language = language
        response.save(update_fields=[*changed, "updated_at"])
        if response.timeline_entry_id is not None:
            timeline_refresh(
                entries={response.timeline_entry_id: {"data": _timeline_data(response, invitation)}}
            )
        operation = "updated"
    if is_detractor(kind, value):
        _detractor_task(response, invitation, now)
    record_changed("survey_response", response.pk, operation, changed_fields=changed)
    return response
