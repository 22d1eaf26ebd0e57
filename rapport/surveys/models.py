"""Satisfaction surveys: CSAT asked when a ticket is resolved, NPS sent to persons on a schedule.

A `Survey` is what is asked; an `Invitation` is one person asked once (one e-mail, one signed
link); a `Response` is their answer, one per invitation, which they may change for
`ANSWER_CHANGEABLE_DAYS` after first answering. The ticket's agent, team and category are copied
onto the response when it is given, so the reports group one table and a ticket moved to another
team later does not move its past satisfaction with it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

# How long an answer may be changed after it was first given.
ANSWER_CHANGEABLE_DAYS = 7

DEFAULT_CSAT_QUESTION_EN = "How satisfied are you with the help you received?"
DEFAULT_CSAT_QUESTION_ZH = "您对本次获得的帮助满意吗？"
DEFAULT_NPS_QUESTION_EN = "How likely are you to recommend us to a friend or colleague?"
DEFAULT_NPS_QUESTION_ZH = "您有多大可能向朋友或同事推荐我们？"
DEFAULT_CONFIRM_QUESTION_EN = "Are you satisfied with how we resolved your complaint?"
DEFAULT_CONFIRM_QUESTION_ZH = "您对我们处理您投诉的结果满意吗？"


class SurveyKind(models.TextChoices):
    CSAT = "csat", "CSAT"
    NPS = "nps", "NPS"
    # Asked when a complaint is closed: is the customer satisfied? 1 is yes, 0 is no.
    CONFIRM = "confirm", _("Complaint confirmation")


SCORE_RANGE = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.CONFIRM: (0, 1)}
CONFIRM_YES, CONFIRM_NO = 1, 0


def is_detractor(kind: str, score: int) -> bool:
    """NPS 0–6, CSAT 1–2 and a "no" to a complaint's confirmation are unhappy customers
    someone should call."""
    if kind == SurveyKind.CONFIRM:
        return score == CONFIRM_NO
    return score <= 6 if kind == SurveyKind.NPS else score <= 2


class Survey(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind)
    name = models.CharField(_("name"), max_length=200)
    question_zh = models.CharField(_("question (Chinese)"), max_length=300)
    question_en = models.CharField(_("question (English)"), max_length=300)
    # NPS: who is asked, the persons with this tag (a list kept by tagging them).
    audience_tag = models.ForeignKey(
        "customers.Tag",
        verbose_name=_("persons tagged"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # NPS: or the persons a saved view of the persons list shows its owner (a filter kept up to
    # date by whoever keeps the view); with a tag as well, the persons in both.
    audience_view = models.ForeignKey(
        "accounts.SavedView",
        verbose_name=_("persons in the saved view"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # NPS: how often it goes out; the next round starts `every_days` after the last one began.
    every_days = models.PositiveIntegerField(_("every (days)"), default=90)
    next_run_at = models.DateTimeField(_("next sending"), null=True, blank=True)
    # Nobody is asked again (by any survey) within this many days of their last invitation.
    quiet_days = models.PositiveIntegerField(_("quiet period (days)"), default=7)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["kind", "name"]
        indexes = [
            models.Index(fields=["kind", "is_active"], name="survey_kind_idx"),
            models.Index(fields=["is_active", "next_run_at"], name="survey_due_idx"),
        ]

    def __str__(self):
        return self.name

    def question(self, language: str) -> str:
        return self.question_zh if language.startswith("zh") else self.question_en


class SurveyRound(models.Model):
    """One sending of an NPS survey to its audience, in batches by person id.

    `last_person_id` is the cursor: a batch's invitations and its cursor are written in one
    transaction, so a round interrupted by a crash resumes after the last finished batch, and a
    batch replayed after a crash finds its invitations (unique per round and person) already
    there instead of asking again.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="rounds")
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_person_id = models.BigIntegerField(default=0)
    invited = models.PositiveIntegerField(_("invited"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)

    class Meta:
        indexes = [models.Index(fields=["survey", "finished_at"], name="round_open_idx")]

    def __str__(self):
        return f"{self.survey_id}:{self.started_at:%Y-%m-%d}"


class Invitation(TimeStampedModel):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # Lower-cased; the quiet period is counted per address, so a requester with no person
    # record is not asked twice either.
    email = models.EmailField(_("e-mail"), max_length=254)
    ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The survey's kind, copied so that a ticket is asked each question once (a constraint
    # cannot look through the survey).
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind)
    round = models.ForeignKey(
        SurveyRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)
    message = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # A ticket is asked each question (CSAT, the complaint's confirmation) once, however
            # often it is resolved or closed again.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(ticket__isnull=False),
                name="invitation_ticket_kind_uniq",
            ),
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(round__isnull=False),
                name="invitation_round_person_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["email", "created_at"], name="invitation_quiet_idx"),
            models.Index(fields=["survey", "created_at"], name="invitation_survey_idx"),
            models.Index(fields=["created_at", "id"], name="invitation_created_idx"),
        ]

    def __str__(self):
        return f"{self.survey} → {self.email}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    # Copies for the reports (see the module docstring).
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind)
    person = models.ForeignKey(
        "customers.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        "service.TicketCategory",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    language = models.CharField(_("language"), max_length=10)
    answered_at = models.DateTimeField(_("answered at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    detractor_task = models.ForeignKey(
        "activities.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The person's timeline entry, kept current when the answer is changed.
    timeline_entry = models.ForeignKey(
        "activities.TimelineEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=10), name="response_score_range"),
        ]
        indexes = [
            models.Index(fields=["kind", "answered_at"], name="response_kind_idx"),
            models.Index(fields=["answered_at", "id"], name="response_answered_idx"),
            models.Index(fields=["ticket"], name="response_ticket_idx"),
            models.Index(fields=["agent", "answered_at"], name="response_agent_idx"),
            models.Index(fields=["team", "answered_at"], name="response_team_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.score}"

    @property
    def is_detractor(self) -> bool:
        return is_detractor(self.kind, self.score)
