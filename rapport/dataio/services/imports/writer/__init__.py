"""Turning cleaned rows into records, one batch at a time, fast.

A batch is planned first (`BatchWriter.plan`: owners, duplicate matching, create / update /
skip / reject for each row) with a fixed number of queries whatever its size: one query per key
kind against PersonEmail / PersonPhone / ImportedKey, one for the records this job already
wrote, one for the records to update. Planning writes nothing, so a dry run is the same code.

`BatchWriter.write` then inserts the new records with the table writer the million-row seeding also
uses (`rapport.dataio.tablewriter.TableWriter`: executemany on SQLite, COPY on PostgreSQL), ids
reserved up front, inside the caller's transaction, so the job's checkpoint commits with them. The
rows are what `person_create` would write for the same input: the primary phone and e-mail copied
onto the person, one PersonPhone / PersonEmail row each, search terms from
`rapport.customers.search`, the owner's team as the record's team, tags, the company (found by name
among the companies the importer sees, or created), an address, and one `record.created` timeline
entry per record, written in bulk rather than through the PersonCreated event, with
`source_type="import"`.

Leads are written like `lead_create` writes them, in bulk: the score from the scoring rules
(`lead_score_compute`, in memory), the "created" history entry (via "import") and the inquiry
for a message. They are matched by external ID, phone or e-mail among the leads the importer
sees (`leads_visible_to`); a converted lead is not changed. Products are matched on their SKU
in the shared catalogue, which only `can_manage_catalog` users may import into (see
`jobs.access`).
Interactions are only created, against the customer each row names (see `interactions`).
Orders are only created, one `order_create` per group of consecutive rows with the same order
reference; payments are only recorded, one `payment_record` per row on the visible order the
row names (see `orders`).

Matching only considers records the importer can see (the one visibility rule), so an import
never reveals or changes another team's records; a row whose key an earlier accepted row of the
same file had is skipped as a duplicate, in dry runs and real runs alike.
"""

from rapport.dataio.services.imports.plans import BatchPlan, BatchResult, Planned, Rejected
from rapport.dataio.services.imports.writer.batch import BatchWriter
from rapport.dataio.services.imports.writer.common import (
    RECORD_KINDS,
)

__all__ = ["RECORD_KINDS", "BatchPlan", "BatchResult", "BatchWriter", "Planned", "Rejected"]
