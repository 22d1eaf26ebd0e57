"""Exports of any list page to CSV (UTF-8 with BOM, or GBK) and .xlsx, logged.

`export_plan` checks what was asked (record type, format, columns) and parses the list's
filters; `export_response` writes the log row and answers the file, streaming the rows in
keyset chunks so that a million rows never sit in memory together.
"""

from rapport.dataio.services.exports.kinds import (
    EXPORT_KINDS,
    Column,
    ExportKind,
    get_export_kind,
)
from rapport.dataio.services.exports.run import (
    ExportPlan,
    export_finish,
    export_plan,
    export_response,
    export_rows,
    export_start,
)

__all__ = [
    "EXPORT_KINDS",
    "Column",
    "ExportKind",
    "ExportPlan",
    "export_finish",
    "export_plan",
    "export_response",
    "export_rows",
    "export_start",
    "get_export_kind",
]
