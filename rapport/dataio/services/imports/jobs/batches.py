"""Reading the file in batches of cleaned rows, from the checkpoint on."""

from collections.abc import Callable

from rapport.dataio.models import (
    ImportJob,
    ImportTarget,
)
from rapport.dataio.services.imports.orders import order_ref_of, order_ref_position
from rapport.sales.services.orders.cleaning import MAX_LINES

BATCH_SIZE = 5000


Progress = Callable[[ImportJob], None]


def _rows(reader, job: ImportJob):
    start = job.rows_done
    if start and job.source_offset is not None and hasattr(reader, "rows_from_offset"):
        return reader.rows_from_offset(job.source_offset, start)
    return reader.rows(start=start)


def read_batches(job, reader, cleaner, batch_size):
    if job.target == ImportTarget.ORDERS:
        yield from order_batches(job, reader, cleaner, batch_size)
        return
    batch = []
    for number, values in _rows(reader, job):
        batch.append((number, values, cleaner.clean(values)))
        if len(batch) >= batch_size:
            yield batch, getattr(reader, "offset", None)
            batch = []
    if batch:
        yield batch, getattr(reader, "offset", None)


def order_batches(job, reader, cleaner, batch_size):
    """Batches of orders: a batch ends between two orders (rows with different references),
    so that no order is split over two transactions; only an order longer than any order may
    be (MAX_LINES) is cut, and refused. The reader has then read one row ahead, so no byte offset
    is kept: a resumed run skips the done rows by counting them."""
    position = order_ref_position(job)
    batch = []
    for number, values in _rows(reader, job):
        if len(batch) >= batch_size and (
            order_ref_of(values, position) != order_ref_of(batch[-1][1], position)
            or len(batch) >= batch_size + MAX_LINES
        ):
            yield batch, None
            batch = []
        batch.append((number, values, cleaner.clean(values)))
    if batch:
        yield batch, None
