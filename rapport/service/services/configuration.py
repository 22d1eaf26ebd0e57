"""Administrators' settings of the service: the category tree and canned replies.

A category's parent must not be itself or one of its descendants; a category tickets use is
deactivated, not deleted. A canned reply is shared with everyone or one team; its text may use
the e-mail templates' merge fields and is checked like a template.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Team, User
from rapport.core.cleaning import FieldErrors, clean_flag, clean_text, parse_int
from rapport.core.errors import ApplicationError, PermissionDenied
from rapport.messaging.rendering import template_problems
from rapport.service.models import CannedReply, TicketCategory

CATEGORY_FIELDS = ("name", "parent_id", "position", "is_active")
CANNED_FIELDS = ("name", "body", "team_id", "is_active")


class CategoryInUse(ApplicationError):
    status = 409

    def __init__(self, message: str):
        super().__init__("in_use", message)


def _clean_category(data: dict, *, instance: TicketCategory | None) -> dict:
    errors = FieldErrors()
    for key in data:
        if key not in CATEGORY_FIELDS:
            errors.add(key, _("Unknown field."))
    values: dict = {}
    if instance is None or "name" in data:
        values["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if "position" in data:
        position = parse_int(data["position"])
        if position is None or position < 0:
            errors.add("position", _("Enter a whole number of 0 or more."))
        values["position"] = position or 0
    if "is_active" in data:
        values["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    if "parent_id" in data:
        parent = None
        if data["parent_id"] not in (None, ""):
            parent = TicketCategory.objects.filter(pk=parse_int(data["parent_id"])).first()
            if parent is None:
                errors.add("parent_id", _("There is no such category."))
            elif instance is not None and _is_within(parent, instance):
                errors.add("parent_id", _("A category cannot be placed inside itself."))
        values["parent"] = parent
    parent_id = values["parent"].pk if values.get("parent") else None
    if "parent" not in values and instance is not None:
        parent_id = instance.parent_id
    name = values.get("name", instance.name if instance else "")
    same = TicketCategory.objects.filter(parent_id=parent_id, name=name)
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if name and same.exists():
        errors.add("name", _("There is already a category with this name here."))
    errors.raise_if_any()
    return values


def _is_within(candidate: TicketCategory, category: TicketCategory) -> bool:
    """Whether `candidate` is `category` or below it."""
    seen = set()
    node: TicketCategory | None = candidate
    while node is not None and node.pk not in seen:
        if node.pk == category.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def category_create(*, actor: User, data: dict) -> TicketCategory:
    require_settings_manager(actor)
    return TicketCategory.objects.create(**_clean_category(data, instance=None))


@transaction.atomic
def category_update(*, actor: User, category: TicketCategory, data: dict) -> TicketCategory:
    require_settings_manager(actor)
    for name, value in _clean_category(data, instance=category).items():
        setattr(category, name, value)
    category.save()
    return category


@transaction.atomic
def category_delete(*, actor: User, category: TicketCategory) -> None:
    require_settings_manager(actor)
    if category.tickets.exists() or category.children.exists():
        raise CategoryInUse(
            _("Tickets or other categories use this category; deactivate it instead.")
        )
    category.delete()


def _clean_canned(actor: User, data: dict, *, instance: CannedReply | None) -> dict:
    errors = FieldErrors()
    for key in data:
        if key not in CANNED_FIELDS:
            errors.add(key, _("Unknown field."))
    values: dict = {}
    if instance is None or "name" in data:
        values["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
    if instance is None or "body" in data:
        body = clean_text(data.get("body"), "body", errors, limit=20_000, required=True)
        for problem in template_problems(body) if body else []:
            errors.add(
                "body",
                _("Line %(line)d: %(message)s")
                % {"line": problem.line, "message": problem.message},
            )
        values["body"] = body
    if "is_active" in data:
        values["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    if "team_id" in data:
        team = None
        if data["team_id"] not in (None, ""):
            team = Team.objects.filter(pk=parse_int(data["team_id"])).first()
            if team is None:
                errors.add("team_id", _("There is no such team."))
        values["team"] = team
    errors.raise_if_any()
    team = values.get("team", instance.team if instance else None)
    if not actor.is_administrator and (team is None or team.pk != actor.team_id):
        raise PermissionDenied(
            _("Only administrators manage canned replies for everyone or for other teams.")
        )
    return values


def _check_may_edit(actor: User, reply: CannedReply) -> None:
    if not actor.is_administrator and (reply.team_id is None or reply.team_id != actor.team_id):
        raise PermissionDenied(
            _("Only administrators manage canned replies for everyone or for other teams.")
        )


@transaction.atomic
def canned_reply_create(*, actor: User, data: dict) -> CannedReply:
    """Administrators for everyone or any team; an agent for their own team."""
    values = _clean_canned(actor, data, instance=None)
    return CannedReply.objects.create(**values, created_by=actor)


@transaction.atomic
def canned_reply_update(*, actor: User, reply: CannedReply, data: dict) -> CannedReply:
    _check_may_edit(actor, reply)
    for name, value in _clean_canned(actor, data, instance=reply).items():
        setattr(reply, name, value)
    reply.save()
    return reply


@transaction.atomic
def canned_reply_delete(*, actor: User, reply: CannedReply) -> None:
    _check_may_edit(actor, reply)
    reply.delete()
