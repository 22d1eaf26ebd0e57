"""REST endpoints of accounts: the audit log (administrators only)."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.accounts.selectors import audit_events_for
from rapport.core.api_schemas import Listing, Page, UserRef, error_responses, paginate
from rapport.core.schema_types import RecordId

audit_router = Router(tags=["audit"])


class AuditQuery(Listing):
    action: str | None = Field(
        None,
        description="`merge`, `merge_undone`, `import_started`, `import_undone`, `export`, "
        "`record_deleted`, `bulk_action`, `api_key_created`, `api_key_revoked`, "
        "`exchange_rate_corrected`, `exchange_rate_deleted` or `exchange_rates_imported`.",
    )
    actor_id: RecordId | None = Field(None, description="Only what this user did.")
    target_type: str | None = Field(
        None, description="`person`, `company`, `import`, `export` or `api_key`."
    )
    target_id: RecordId | None = None


class AuditEventOut(Schema):
    id: int
    created_at: str
    actor: UserRef | None
    actor_name: str
    action: str
    action_label: str
    target_type: str
    target_id: int | None
    summary: str
    data: dict

    @staticmethod
    def resolve_created_at(obj) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_action_label(obj) -> str:
        return str(obj.get_action_display())


@audit_router.get(
    "/audit",
    response={200: Page[AuditEventOut], **error_responses(403, 422)},
    description="The audit log, newest first: merges and their undo, imports started and "
    "undone, exports, persons and companies deleted, API keys created and revoked. "
    "Administrators only.",
)
def audit_list(request: HttpRequest, query: Query[AuditQuery]):
    events = audit_events_for(
        request.auth,
        action=query.action,
        actor_id=query.actor_id,
        target_type=query.target_type,
        target_id=query.target_id,
    ).select_related("actor")
    return paginate(events, sort="-created_at", cursor=query.cursor, limit=query.limit)
