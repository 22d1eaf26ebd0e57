"""Queues and auto-assignment: which team's queue a new ticket goes to, and which agent there.

The first active rule (by position) whose non-empty conditions all match a ticket decides:
channel, type, category (the rule's category or any category below it), priority, a tag of the
ticket's person or company (the customer's tier, e.g. "VIP"), language, and keywords (any one,
case-insensitive, in the subject or the first message). The ticket goes to the rule's team; an
agent is then chosen among the team's active members who are not away:

- round robin: the member after the one who got the rule's last ticket (by id, wrapping);
- fewest open tickets: the member with the fewest open tickets (ties: the lowest id);
- by skills: the members who speak the ticket's language (if their profile lists languages)
  ranked by how many of their skills the ticket asks for (its type, its category and the
  category's parents, the rule's keywords found in it), then by fewest open tickets;
- queue only: nobody; the team lead assigns from the queue.

With no agent available (all away) the ticket waits unassigned in the team's queue. With no
rule matching it stays where its creator put it.
"""

import re
import unicodedata

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.assignment import least_loaded, next_in_turn, team_members
from rapport.accounts.models import Team, User
from rapport.core.cleaning import FieldErrors, clean_choice, clean_flag, clean_text, parse_int
from rapport.customers.models import Tag
from rapport.service.models import (
    OPEN_STATUSES,
    AgentProfile,
    AssignmentMethod,
    AssignmentRule,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketPriority,
    TicketType,
)

# The languages a rule or an agent may name: the site's.
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
RULE_FIELDS = (
    "name",
    "position",
    "channel",
    "category_id",
    "type",
    "priority",
    "customer_tag_id",
    "language",
    "keywords",
    "team_id",
    "method",
    "is_active",
)


def keywords_of(text: str) -> list[str]:
    return [w.strip().lower() for w in re.split(r"[,，;；\n]", text or "") if w.strip()]


def _category_chain(category_id: int | None) -> list[TicketCategory]:
    """The category and its parents, nearest first (a tree is a few levels deep)."""
    chain: list[TicketCategory] = []
    seen: set[int] = set()
    while category_id is not None and category_id not in seen:
        seen.add(category_id)
        category = TicketCategory.objects.filter(pk=category_id).first()
        if category is None:
            break
        chain.append(category)
        category_id = category.parent_id
    return chain


def _customer_tag_ids(ticket: Ticket) -> set[int]:
    ids: set[int] = set()
    if ticket.person_id is not None:
        ids.update(Tag.objects.filter(persons=ticket.person_id).values_list("pk", flat=True))
    if ticket.company_id is not None:
        ids.update(Tag.objects.filter(companies=ticket.company_id).values_list("pk", flat=True))
    return ids


def rule_matches(
    rule: AssignmentRule, ticket: Ticket, *, text: str, chain_ids: set[int], tag_ids: set[int]
) -> bool:
    if rule.channel and rule.channel != ticket.channel:
        return False
    if rule.type and rule.type != ticket.type:
        return False
    if rule.priority and rule.priority != ticket.priority:
        return False
    if rule.category_id is not None and rule.category_id not in chain_ids:
        return False
    if rule.customer_tag_id is not None and rule.customer_tag_id not in tag_ids:
        return False
    if rule.language and rule.language != ticket.language:
        return False
    words = keywords_of(rule.keywords)
    return not words or any(word in text for word in words)


def matching_rule(ticket: Ticket, *, text: str = "") -> AssignmentRule | None:
    """The first active rule that matches `ticket` (with `text`, its first message)."""
    rules = list(AssignmentRule.objects.filter(is_active=True).order_by("position", "id"))
    if not rules:
        return None
    haystack = f"{ticket.subject}\n{text}".lower()
    chain_ids = {c.pk for c in _category_chain(ticket.category_id)}
    tag_ids = _customer_tag_ids(ticket) if any(r.customer_tag_id for r in rules) else set()
    for rule in rules:
        if rule_matches(rule, ticket, text=haystack, chain_ids=chain_ids, tag_ids=tag_ids):
            return rule
    return None


def available_agents(team_id: int) -> list[User]:
    """The team's active members who are not away, by id, each with `open_tickets` (their
    count of open tickets) and `service_profile` (their AgentProfile or None)."""
    away = AgentProfile.objects.filter(is_away=True).values("user_id")
    agents = team_members(team_id, away=away)
    counts = dict(
        Ticket.objects.filter(assignee__in=[a.pk for a in agents], status__in=OPEN_STATUSES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(user__in=agents)}
    for agent in agents:
        agent.open_tickets = counts.get(agent.pk, 0)
        agent.service_profile = profiles.get(agent.pk)
    return agents


def _least_open(agents: list[User]) -> User:
    return least_loaded(agents, {agent.pk: agent.open_tickets for agent in agents})


def _by_skills(rule: AssignmentRule, ticket: Ticket, agents: list[User], text: str) -> User:
    wanted = {ticket.type}
    wanted.update(c.name.strip().lower() for c in _category_chain(ticket.category_id))
    wanted.update(w for w in keywords_of(rule.keywords) if w in text)

    def speaks(agent: User) -> bool:
        profile = agent.service_profile
        languages = [str(x).lower() for x in (profile.languages if profile else [])]
        return not ticket.language or not languages or ticket.language in languages

    def score(agent: User) -> int:
        profile = agent.service_profile
        skills = {str(x).strip().lower() for x in (profile.skills if profile else [])}
        return len(skills & wanted)

    speaking = [a for a in agents if speaks(a)] or agents
    return min(speaking, key=lambda a: (-score(a), a.open_tickets, a.pk))


@transaction.atomic
def ticket_auto_assign(ticket: Ticket, *, text: str = "") -> AssignmentRule | None:
    """Place `ticket` (saved, not yet assigned) by the rules; returns the rule that matched."""
    rule = matching_rule(ticket, text=text)
    if rule is None:
        return None
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    ticket.team_id = rule.team_id
    agent = None
    if rule.method != AssignmentMethod.QUEUE_ONLY:
        agents = available_agents(rule.team_id)
        if agents:
            haystack = f"{ticket.subject}\n{text}".lower()
            if rule.method == AssignmentMethod.ROUND_ROBIN:
                agent = next_in_turn(agents, rule.last_assigned_id)
            elif rule.method == AssignmentMethod.LEAST_OPEN:
                agent = _least_open(agents)
            else:
                agent = _by_skills(rule, ticket, agents, haystack)
    ticket.assignee = agent
    ticket.save(update_fields=["team", "assignee"])
    if agent is not None:
        rule.last_assigned = agent
        rule.save(update_fields=["last_assigned"])
    return rule


# --- Settings: rules and agent profiles --------------------------------------------------------


def _clean_rule(data: dict, *, instance: AssignmentRule | None) -> dict:
    errors = FieldErrors()
    for key in data:
        if key not in RULE_FIELDS:
            errors.add(key, _("Unknown field."))
    values: dict = {}
    if instance is None or "name" in data:
        values["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if "position" in data:
        position = parse_int(data["position"])
        if position is None or position < 0:
            errors.add("position", _("Enter a whole number of 0 or more."))
        values["position"] = position or 0
    for key, choices in (
        ("channel", TicketChannel),
        ("type", TicketType),
        ("priority", TicketPriority),
    ):
        if key in data:
            values[key] = (
                clean_choice(data[key], key, errors, choices=choices.values, list_choices=True)
                if data[key]
                else ""
            )
    if "language" in data:
        values["language"] = (
            clean_choice(
                data["language"], "language", errors, choices=LANGUAGE_CODES, list_choices=True
            )
            if data["language"]
            else ""
        )
    if "keywords" in data:
        values["keywords"] = clean_text(data["keywords"], "keywords", errors, limit=2000)
    if "method" in data or instance is None:
        values["method"] = clean_choice(
            data.get("method"),
            "method",
            errors,
            choices=AssignmentMethod.values,
            default=AssignmentMethod.ROUND_ROBIN,
            list_choices=True,
        )
    if "is_active" in data:
        values["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    for key, model, message in (
        ("category_id", TicketCategory, _("There is no such category.")),
        ("customer_tag_id", Tag, _("There is no such tag.")),
        ("team_id", Team, _("There is no such team.")),
    ):
        if key not in data and not (key == "team_id" and instance is None):
            continue
        raw = data.get(key)
        name = key.removesuffix("_id")
        if raw in (None, ""):
            if key == "team_id":
                errors.add(key, _("Choose the team whose queue the tickets go to."))
            values[name] = None
            continue
        record = model.objects.filter(pk=parse_int(raw)).first()
        if record is None:
            errors.add(key, message)
        values[name] = record
    errors.raise_if_any()
    return values


@transaction.atomic
def assignment_rule_create(*, actor: User, data: dict) -> AssignmentRule:
    require_settings_manager(actor)
    return AssignmentRule.objects.create(**_clean_rule(data, instance=None))


@transaction.atomic
def assignment_rule_update(*, actor: User, rule: AssignmentRule, data: dict) -> AssignmentRule:
    require_settings_manager(actor)
    for name, value in _clean_rule(data, instance=rule).items():
        setattr(rule, name, value)
    rule.save()
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor: User, rule: AssignmentRule) -> None:
    require_settings_manager(actor)
    rule.delete()


def _clean_words(value, field: str, errors: FieldErrors) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = keywords_of(value)
    if not isinstance(value, list | tuple) or len(value) > 50:
        errors.add(field, _("Give a list of at most 50 words."))
        return []
    words = []
    for item in value:
        word = clean_text(item, field, errors, limit=50).lower()
        if word and word not in words:
            words.append(word)
    return words


SIGNATURE_LINES = 8


def _clean_signature(value, errors: FieldErrors) -> str:
    """Plain text of at most 500 characters and 8 lines, as the e-mail sends it: line ends
    made \n, control characters other than tabs removed, trailing spaces of each line dropped."""
    text = clean_text(value, "signature", errors, limit=500)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    lines = [line.rstrip() for line in text.strip().split("\n")]
    if len(lines) > SIGNATURE_LINES:
        errors.add(
            "signature",
            _("Keep the signature to %(count)d lines or fewer.") % {"count": SIGNATURE_LINES},
        )
    return "\n".join(lines)


@transaction.atomic
def agent_profile_set(*, actor: User, user: User, data: dict) -> AgentProfile:
    """Set an agent's skills, languages, away flag and reply signature: their own or, for an
    administrator, anyone's."""
    if not (actor.is_administrator or actor.pk == user.pk):
        require_settings_manager(actor)
    errors = FieldErrors()
    for key in data:
        if key not in ("skills", "languages", "is_away", "signature"):
            errors.add(key, _("Unknown field."))
    values: dict = {}
    if "skills" in data:
        values["skills"] = _clean_words(data["skills"], "skills", errors)
    if "languages" in data:
        languages = _clean_words(data["languages"], "languages", errors)
        if any(lang not in LANGUAGE_CODES for lang in languages):
            errors.add(
                "languages",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(LANGUAGE_CODES)},
            )
        values["languages"] = languages
    if "is_away" in data:
        values["is_away"] = clean_flag(data["is_away"], "is_away", errors)
    if "signature" in data:
        values["signature"] = _clean_signature(data["signature"], errors)
    errors.raise_if_any()
    profile, _created = AgentProfile.objects.select_for_update().get_or_create(user=user)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save()
    return profile
