"""Bulk actions on the lists of persons, companies, leads, deals, orders and tasks.

`registry` says which actions each list offers and which service each calls per record; `run`
checks a selection, starts the action (in the request, or as a job when it is large), runs it
chunk by chunk and writes the audit line.
"""

from rapport.dataio.services.bulk.registry import (
    BULK_LISTS,
    BULK_ORDER_STATUSES,
    BulkActionSpec,
    BulkList,
    clean_params,
    get_bulk_list,
)
from rapport.dataio.services.bulk.run import (
    INLINE_LIMIT,
    BulkSelection,
    bulk_action_run,
    bulk_action_start,
    bulk_export_response,
    bulk_selection,
    bulk_selection_count,
    bulk_skipped_csv,
)

__all__ = [
    "BULK_LISTS",
    "BULK_ORDER_STATUSES",
    "INLINE_LIMIT",
    "BulkActionSpec",
    "BulkList",
    "BulkSelection",
    "bulk_action_run",
    "bulk_action_start",
    "bulk_export_response",
    "bulk_selection",
    "bulk_selection_count",
    "bulk_skipped_csv",
    "clean_params",
    "get_bulk_list",
]
