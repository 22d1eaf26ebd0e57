"""Reads for exports: the rows of a list in bounded chunks, and the export log."""

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.errors import NotFound
from rapport.dataio.models import ExportLog

EXPORT_CHUNK_SIZE = 2000


def export_chunks(
    queryset: QuerySet, *, prefetch: Sequence = (), chunk_size: int = EXPORT_CHUNK_SIZE
) -> Iterator[list]:
    """The rows of `queryset` in id order, `chunk_size` at a time.

    Each chunk is one keyset query (`id > last id of the previous chunk`, never OFFSET) plus one
    query per prefetch, so memory holds one chunk whatever the number of rows and the number of
    queries grows with the chunks, not with the rows.
    """
    queryset = queryset.order_by("pk")
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    last_pk = None
    while True:
        page = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
        rows = list(page[:chunk_size])
        if rows:
            yield rows
        if len(rows) < chunk_size:
            return
        last_pk = rows[-1].pk


def export_logs_visible_to(user: User) -> QuerySet[ExportLog]:
    """Administrators see every export (an audit trail); everyone else only their own."""
    qs = ExportLog.objects.select_related("user")
    if user.is_administrator:
        return qs
    return qs.filter(user=user)


def get_export_log_for_user(user: User, log_id: int) -> ExportLog:
    log = export_logs_visible_to(user).filter(pk=log_id).first()
    if log is None:
        raise NotFound(_("Export not found."))
    return log
