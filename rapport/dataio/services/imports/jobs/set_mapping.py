"""Setting an upload's mapping (typed, or a saved one): its columns, defaults, mode and key."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import Conflict, ValidationFailed
from rapport.dataio.models import (
    ImportJob,
    ImportMapping,
    ImportMatchOn,
    ImportMode,
    ImportStatus,
)
from rapport.dataio.services.imports.jobs.access import require_importer, require_target_allowed
from rapport.dataio.services.imports.jobs.mapping import MappingInput, clean_mapping, row_cleaner
from rapport.dataio.services.imports.jobs.saved_mappings import import_mapping_save

# Statuses in which the mapping may still change and a run may start.
EDITABLE = (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE)


def _require_editable(job: ImportJob) -> None:
    if job.status not in EDITABLE:
        raise Conflict(_("This import has already started; its mapping can no longer change."))


@transaction.atomic
def import_set_mapping(
    *,
    actor: User,
    job: ImportJob,
    mapping: dict[str, str],
    defaults: dict | None = None,
    mode: str = ImportMode.CREATE,
    match_on: str = ImportMatchOn.EMAIL,
    save_as: str = "",
) -> ImportJob:
    """Set which column fills which field, the defaults, the mode and the match key. A new
    mapping invalidates an earlier dry run. `save_as` also saves it for reuse under that name."""
    require_importer(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    require_target_allowed(actor, job.target)
    _require_editable(job)
    cleaned = clean_mapping(
        actor, job.target, job.columns, MappingInput(mapping, defaults or {}, mode, match_on)
    )
    # The cleaner refuses what it cannot apply (a custom field's rules, …) before any row.
    row_cleaner(job.target, cleaned["mapping"], cleaned["defaults"], actor, job.columns)
    for key, value in cleaned.items():
        setattr(job, key, value)
    job.status = ImportStatus.MAPPED
    job.dry_run = {}
    job.save()
    if save_as and save_as.strip():
        import_mapping_save(actor=actor, name=save_as, target=job.target, **cleaned)
    return job


def import_apply_saved_mapping(*, actor: User, job: ImportJob, saved: ImportMapping) -> ImportJob:
    """Use a saved mapping for this file: its columns that the file has, its defaults and mode."""
    if saved.target != job.target:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"mapping_id": [_("This saved mapping is for another kind of record.")]},
        )
    mapping = {c: k for c, k in saved.mapping.items() if c in job.columns}
    return import_set_mapping(
        actor=actor,
        job=job,
        mapping=mapping,
        defaults=saved.defaults,
        mode=saved.mode,
        match_on=saved.match_on,
    )
