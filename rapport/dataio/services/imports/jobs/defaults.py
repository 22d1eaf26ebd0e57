"""The values an import gives every row that leaves a field empty."""

from django.utils.translation import gettext as _

from rapport.accounts.access import may_own
from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors
from rapport.customers.models import SourceChannel
from rapport.dataio.models import (
    ImportTarget,
)


def clean_defaults(actor: User, raw, errors: FieldErrors, *, target: str) -> dict:
    """Defaults for rows that leave a value empty: owner (user name), tags, source channel;
    for leads, `assign_by_rules` (true: the assignment rules choose the owner instead). And
    `start_rules` (default true; false: the imported changes start no automation rule), kept
    only when false."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors.add("defaults", _("Give the defaults as an object."))
        return {}
    defaults: dict = {}
    unknown = set(raw) - {"owner", "tags", "source", "assign_by_rules", "start_rules"}
    for key in sorted(unknown):
        errors.add(f"defaults.{key}", _("Unknown field."))
    owner = str(raw.get("owner") or "").strip()
    by_rules = raw.get("assign_by_rules") or False
    if by_rules is not True and by_rules is not False:
        errors.add("defaults.assign_by_rules", _("Give true or false."))
    elif by_rules and target != ImportTarget.LEADS:
        errors.add("defaults.assign_by_rules", _("Only leads are given out by the rules."))
    elif by_rules and owner:
        errors.add("defaults.owner", _("Choose an owner or assignment by the rules, not both."))
    elif by_rules:
        defaults["assign_by_rules"] = True
    start_rules = raw.get("start_rules", True)
    if start_rules is None:
        start_rules = True
    if start_rules is not True and start_rules is not False:
        errors.add("defaults.start_rules", _("Give true or false."))
    elif not start_rules:
        defaults["start_rules"] = False
    if owner:
        user = User.objects.filter(username=owner, is_active=True).first()
        if user is None:
            errors.add("defaults.owner", _("There is no active user “%(name)s”.") % {"name": owner})
        elif not may_own(actor, user):
            errors.add("defaults.owner", _("You can only give records to members of your team."))
        else:
            defaults["owner"] = user.username
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in (p.strip() for p in tags.replace("，", ",").split(",")) if t]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors.add("defaults.tags", _("Give a list of tag names."))
    elif tags:
        if any(len(t.strip()) > 50 for t in tags):
            errors.add("defaults.tags", _("Use at most 50 characters per tag."))
        defaults["tags"] = [t.strip() for t in tags if t.strip()]
    source = str(raw.get("source") or "").strip()
    if source:
        if source not in SourceChannel.values:
            errors.add("defaults.source", _("Choose one of the source channels."))
        else:
            defaults["source"] = source
    return defaults
