"""Who may import what, and where an import's files live."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.core.errors import PermissionDenied
from rapport.dataio.models import (
    ImportJob,
    ImportTarget,
)
from rapport.sales.services.catalog import can_manage_catalog

IMPORT_ROLES = (Role.ADMINISTRATOR, Role.SALES_MANAGER, Role.SALES_REP, Role.MARKETING)
REJECTED_NAME = "rejected.csv"
WARNED_NAME = "warnings.csv"


def can_import(user: User) -> bool:
    """Administrators, sales managers, sales representatives and marketing import; the records
    go to the importer or to whom they may give records (see `person_create`)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in IMPORT_ROLES)
    )


def require_importer(actor: User) -> None:
    if not can_import(actor):
        raise PermissionDenied(_("You may not import data."))


def target_refused(actor: User, target: str) -> str | None:
    """Why `actor` may not import records of `target`, or None. The catalogue is shared:
    products are imported by those who maintain it (`can_manage_catalog`)."""
    if target == ImportTarget.PRODUCTS and not can_manage_catalog(actor):
        return _("Only administrators and sales managers can import products.")
    return None


def require_target_allowed(actor: User, target: str) -> None:
    refused = target_refused(actor, target)
    if refused:
        raise PermissionDenied(refused)


def import_dir() -> Path:
    return Path(settings.RAPPORT_IMPORT_DIR)


def job_dir(job: ImportJob) -> Path:
    return import_dir() / str(job.pk)


def upload_path(job: ImportJob) -> Path:
    return import_dir() / job.stored_path


def rejected_path(job: ImportJob) -> Path:
    return job_dir(job) / REJECTED_NAME


def warned_path(job: ImportJob) -> Path:
    """The rows imported with warnings, beside the rejected ones."""
    return job_dir(job) / WARNED_NAME
