"""The integration app's subscribers: the change feed's row for every change it lists."""

from rapport.core.events import subscribe
from rapport.core.records import RecordChanged
from rapport.integration.feed import change_record


@subscribe(RecordChanged)
def record_changed(event: RecordChanged) -> None:
    change_record(event)
