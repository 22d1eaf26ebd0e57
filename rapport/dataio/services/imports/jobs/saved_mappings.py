"""Mappings saved under a name, to use again for the next file of the same shape."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import ValidationFailed
from rapport.dataio.models import (
    ImportMapping,
    ImportTarget,
)
from rapport.dataio.services.imports.jobs.access import require_importer, require_target_allowed
from rapport.dataio.services.imports.jobs.mapping import MappingInput, clean_mapping
from rapport.dataio.services.imports.jobs.upload import target_choice_message


@transaction.atomic
def import_mapping_save(
    *,
    actor: User,
    name: str,
    target: str,
    mapping: dict,
    defaults: dict,
    mode: str,
    match_on: str,
) -> ImportMapping:
    """Save (or replace) the actor's mapping called `name` for files of `target`. The mapping
    is checked as `import_set_mapping` checks it, against the columns it names."""
    require_importer(actor)
    if target not in ImportTarget.values:
        raise ValidationFailed(
            _("Please correct the errors below."), {"target": [target_choice_message()]}
        )
    require_target_allowed(actor, target)
    if not isinstance(mapping, dict):
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"mapping": [_("Give the mapping as column → field.")]},
        )
    cleaned = clean_mapping(
        actor, target, list(mapping), MappingInput(mapping, defaults or {}, mode, match_on)
    )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Please correct the errors below."), {"save_as": [_("Enter a name.")]}
        )
    if len(name) > 100:
        raise ValidationFailed(
            _("Please correct the errors below."), {"save_as": [_("Use at most 100 characters.")]}
        )
    saved, _created = ImportMapping.objects.update_or_create(
        owner=actor,
        target=target,
        name=name,
        defaults=cleaned,
    )
    return saved


@transaction.atomic
def import_mapping_delete(*, actor: User, saved: ImportMapping) -> None:
    saved.delete()
