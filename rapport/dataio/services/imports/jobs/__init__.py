"""An import (persons, companies, leads, interactions, products, orders or payments) from
upload to done: the services the UI, the API and the command call, and the run that reads the
file in batches.

The flow is upload (`import_upload`) → mapping (`import_set_mapping`) → dry run
(`import_dry_run_start`, a job over the whole file that writes nothing) → start (`import_start`)
→ the job (`import_run`) → done, and within RAPPORT_IMPORT_UNDO_DAYS undo (see `undo`).

Nothing lost, nothing doubled: each batch is written in ONE transaction together with the job's
checkpoint (`rows_done`, the counts, the size of the rejected-rows file, the reader's byte
offset) and the ImportRecords, so a worker killed at any moment leaves either the whole batch
with its checkpoint or neither. A resumed run truncates the rejected-rows file back to the size
recorded with the checkpoint and reads on from the row after it. A run claims its job with a
compare-and-swap on (status, worker, heartbeat), so two workers never run the same import; a
worker that died (its process is gone, or its heartbeat is older than STALE_AFTER) is replaced
by `resume_stalled_imports`.

One module per part: `access` (who may import what, where the files live), `upload`, `mapping`
(a mapping checked, and the row cleaner it makes), `defaults`, `set_mapping`, `saved_mappings`,
`start`, `claim` (which worker runs a job), `batches` (reading the file from the checkpoint),
`run`, `dry_run`, `encoding` (the user's choice when the detector is unsure) and
`rejected` (the files of rejected rows and of rows imported with warnings, and their
downloads). The services callers
use are importable from this package.
"""

from rapport.dataio.services.imports.jobs.access import (
    IMPORT_ROLES,
    can_import,
    import_dir,
    job_dir,
    rejected_path,
    upload_path,
    warned_path,
)
from rapport.dataio.services.imports.jobs.batches import BATCH_SIZE, Progress
from rapport.dataio.services.imports.jobs.claim import (
    ACTIVE,
    STALE_AFTER,
    LostClaim,
    claim,
    is_stalled,
    worker_gone,
    worker_id,
)
from rapport.dataio.services.imports.jobs.dry_run import DRY_RUN_REJECTED_SHOWN
from rapport.dataio.services.imports.jobs.encoding import (
    encoding_report,
    encoding_state,
    encoding_unsure,
    import_set_encoding,
)
from rapport.dataio.services.imports.jobs.mapping import MappingInput, match_choices, mode_choices
from rapport.dataio.services.imports.jobs.rejected import (
    RejectedDownload,
    RejectedFile,
    rejected_rows_download,
    warned_rows_download,
    warned_rows_shown,
)
from rapport.dataio.services.imports.jobs.run import import_run
from rapport.dataio.services.imports.jobs.saved_mappings import (
    import_mapping_delete,
    import_mapping_save,
)
from rapport.dataio.services.imports.jobs.set_mapping import (
    EDITABLE,
    import_apply_saved_mapping,
    import_set_mapping,
)
from rapport.dataio.services.imports.jobs.start import import_dry_run_start, import_start
from rapport.dataio.services.imports.jobs.upload import (
    import_upload,
    target_choice_message,
    too_large_message,
)

__all__ = [
    "ACTIVE",
    "BATCH_SIZE",
    "DRY_RUN_REJECTED_SHOWN",
    "EDITABLE",
    "IMPORT_ROLES",
    "STALE_AFTER",
    "LostClaim",
    "MappingInput",
    "Progress",
    "RejectedDownload",
    "RejectedFile",
    "can_import",
    "claim",
    "encoding_report",
    "encoding_state",
    "encoding_unsure",
    "import_apply_saved_mapping",
    "import_dir",
    "import_dry_run_start",
    "import_mapping_delete",
    "import_mapping_save",
    "import_run",
    "import_set_encoding",
    "import_set_mapping",
    "import_start",
    "import_upload",
    "is_stalled",
    "job_dir",
    "match_choices",
    "mode_choices",
    "rejected_path",
    "rejected_rows_download",
    "target_choice_message",
    "too_large_message",
    "upload_path",
    "warned_path",
    "warned_rows_download",
    "warned_rows_shown",
    "worker_gone",
    "worker_id",
]
