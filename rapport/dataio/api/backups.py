"""REST endpoints of dataio: backups (administrators only, read-only).

Backups are written by `manage.py backup` and the daily job, and restored with
`manage.py restore`; the API only lists them, so that monitoring can check the newest one.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from rapport.accounts.access import can_manage_settings
from rapport.core.api_schemas import error_responses
from rapport.core.errors import PermissionDenied
from rapport.dataio.services.backups import backups_list

router = Router(tags=["backups"])


class BackupOut(Schema):
    name: str
    kind: str = Field(description="`scheduled` (pruned to RAPPORT_BACKUP_KEEP) or `manual`.")
    engine: str
    created_at: datetime.datetime
    size: int = Field(description="Bytes.")
    row_counts: dict[str, int] = Field(description="Rows per table when the backup was taken.")

    @staticmethod
    def resolve_row_counts(obj) -> dict[str, int]:
        return obj.manifest.get("row_counts", {})


@router.get(
    "/backups",
    response={200: list[BackupOut], **error_responses(403)},
    description="The backups in RAPPORT_BACKUP_DIR, newest first. Administrators only.",
)
def backup_list(request: HttpRequest):
    if not can_manage_settings(request.auth):
        raise PermissionDenied(_("Only administrators may see backups."))
    return backups_list()
