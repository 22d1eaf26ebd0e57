"""The integration app's subscribers: the change feed's row for every change it lists."""

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged, RecordsChanged
from rapport.integration.feed import change_record, change_records


@subscribe(RecordChanged)
def record_changed(event: RecordChanged) -> None:
    change_record(event)


@subscribe(RecordsChanged)
def records_changed(event: RecordsChanged) -> None:
    change_records(event)
