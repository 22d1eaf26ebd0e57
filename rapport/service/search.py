"""The ticket list's text search at a million tickets: which tickets contain a piece of text in
their subject or their requester's name or e-mail, the newest first, at most `TEXT_MATCH_LIMIT`.

`icontains` over the subjects reads every row when few match (a rare word, a reference number):
seconds at a million tickets. Instead a substring index answers (migration 0005):

- SQLite: the FTS5 table `service_ticket_search` with the trigram tokenizer (any substring of
  three characters or more, case-insensitive, Chinese too), its content read from
  `service_ticket` and kept by triggers. Django rebuilds a SQLite table for some migrations
  (copy, drop, rename), which drops its triggers: `ensure_sqlite_search_index` runs after every
  `migrate` (`post_migrate`) and puts them back, re-indexing when they were missing.
- PostgreSQL: a pg_trgm GIN index on `UPPER(subject || ' ' || requester_name || ' ' ||
  requester_email)`, the expression `text_match_ids` compares with LIKE.

Text of one or two characters has no trigram: it is matched with `icontains`, newest first,
which stops at the limit (a common word such as 漏水 finds its tickets quickly; a rare one reads
the table). Why this and not a search-terms table like the persons': docs/decisions.md.
"""

import re

from django.db import connection as default_connection
from django.db.models import F, Lookup, Q

TEXT_MATCH_LIMIT = 500
_LONG_NUMBER = re.compile(r"[0-9]{6}")
# How many of the newest tickets are read before the index is asked, and how many matches among
# them are enough (`text_match_ids`).
RECENT_WINDOW = 20_000
RECENT_ENOUGH = 100

FTS_TABLE = "service_ticket_search"
SEARCH_EXPRESSION = "UPPER(subject || ' ' || requester_name || ' ' || requester_email)"

# Literal SQL (constants only): the FTS table, kept in step with `service_ticket` by triggers.
SQLITE_CREATE_TABLE = (
    "CREATE VIRTUAL TABLE service_ticket_search USING fts5(subject, requester_name, "
    "requester_email, content='service_ticket', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = {
    "service_ticket_search_ai": (
        "CREATE TRIGGER IF NOT EXISTS service_ticket_search_ai AFTER INSERT ON service_ticket "
        "BEGIN INSERT INTO service_ticket_search (rowid, subject, requester_name, "
        "requester_email) VALUES (new.id, new.subject, new.requester_name, new.requester_email);"
        " END"
    ),
    "service_ticket_search_ad": (
        "CREATE TRIGGER IF NOT EXISTS service_ticket_search_ad AFTER DELETE ON service_ticket "
        "BEGIN INSERT INTO service_ticket_search (service_ticket_search, rowid, subject, "
        "requester_name, requester_email) VALUES ('delete', old.id, old.subject, "
        "old.requester_name, old.requester_email); END"
    ),
    "service_ticket_search_au": (
        "CREATE TRIGGER IF NOT EXISTS service_ticket_search_au AFTER UPDATE OF subject, "
        "requester_name, requester_email ON service_ticket "
        "BEGIN INSERT INTO service_ticket_search (service_ticket_search, rowid, subject, "
        "requester_name, requester_email) VALUES ('delete', old.id, old.subject, "
        "old.requester_name, old.requester_email); "
        "INSERT INTO service_ticket_search (rowid, subject, requester_name, requester_email) "
        "VALUES (new.id, new.subject, new.requester_name, new.requester_email); END"
    ),
}
SQLITE_REBUILD = "INSERT INTO service_ticket_search (service_ticket_search) VALUES ('rebuild')"
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRES_INDEX = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS ticket_search_trgm_idx ON service_ticket "
    f"USING gin (({SEARCH_EXPRESSION}) gin_trgm_ops)",
)
POSTGRES_DROP = ("DROP INDEX IF EXISTS ticket_search_trgm_idx",)


class _AnyOf(Lookup):
    """`column = ANY(%s)` with the ids as one array parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def ids_q(ids: list[int], field: str = "pk") -> Q:
    """`Q(pk__in=ids)`; on PostgreSQL the ids go as one array (`id = ANY(%s)`) instead of
    an `IN` of up to a thousand literals. A search's list query took about 8 ms of the process's
    CPU building and binding those literals and 3-8 ms of PostgreSQL's planning, against 4 and
    3 with the array (docs/benchmarks.md, "Service at scale", fifth round)."""
    if default_connection.vendor != "postgresql" or not ids:
        return Q(**{f"{field}__in": ids})
    return Q(_AnyOf(F(field), ids))


def ensure_sqlite_search_index(connection=None) -> bool:
    """Create the FTS table and its triggers where missing; re-index all tickets when anything
    was missing. Returns whether it re-indexed. SQLite only."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = %s OR name IN (%s, %s, %s)",
            [FTS_TABLE, *SQLITE_TRIGGERS],
        )
        present = {row[0] for row in cursor.fetchall()}
        if present >= {FTS_TABLE, *SQLITE_TRIGGERS}:
            return False
        if FTS_TABLE not in present:
            cursor.execute(SQLITE_CREATE_TABLE)
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(SQLITE_REBUILD)
    return True


def repair_after_migrate(using="default", **kwargs) -> None:
    """`post_migrate` receiver: the triggers back after a table rebuild (SQLite only)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    recorder = MigrationRecorder(connection)
    if (
        not recorder.has_table()
        or not recorder.migration_qs.filter(app="service", name="0005_ticket_search").exists()
    ):
        return
    ensure_sqlite_search_index(connection)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _looks_like_reference(text: str) -> bool:
    """A ticket number ("T-000123"), or text holding a number of six digits or more (an order or
    parcel reference, a phone, "visitor860222" in an address): text that few tickets contain, so
    the newest window would be read in vain (20-50 ms at a million tickets, against 1-8 ms on
    the index; docs/benchmarks.md, "Service at scale", fifth round). The two ways answer alike
    unless 100 to 499 of the 20,000 newest tickets contain the text: the window would answer
    with those, the index with up to 500, older ones too."""
    upper = text.upper()
    if upper.startswith("T-") and upper[2:].isdigit():
        return True
    return _LONG_NUMBER.search(text) is not None


def text_match_ids(text: str, *, limit: int = TEXT_MATCH_LIMIT) -> list[int]:
    """Ids of the newest tickets (at most `limit`) whose subject, requester name or e-mail
    contains `text`, ignoring case.

    A common text (a product, a problem) matches thousands of tickets: asking the index for all
    of them to keep the newest costs more than reading the newest tickets themselves. So the
    newest `RECENT_WINDOW` tickets are read first; when at least `RECENT_ENOUGH` of them match,
    those are the answer (the newest matches, as the list shows them), else the index is asked
    for matches among all tickets. A ticket number or a long number goes to the index
    straight away (`_looks_like_reference`)."""
    from rapport.service.models import Ticket

    text = (text or "").strip()
    if not text:
        return []
    condition = (
        Q(subject__icontains=text)
        | Q(requester_name__icontains=text)
        | Q(requester_email__icontains=text)
    )
    vendor = default_connection.vendor
    indexed = len(text) >= 3 and vendor in ("sqlite", "postgresql")
    if not (indexed and _looks_like_reference(text)):
        # The window's bound as a number, not a subquery: PostgreSQL plans a subquery's
        # result as a third of the table and reads it with parallel workers (58 ms under
        # load, against 3 ms for the same rows read in index order; docs/benchmarks.md).
        newest_id = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        newest = Ticket.objects.filter(pk__gt=newest_id - RECENT_WINDOW)
        recent = list(newest.filter(condition).order_by("-pk").values_list("pk", flat=True)[:limit])
        if len(recent) >= min(RECENT_ENOUGH, limit):
            return recent
    if indexed:
        with default_connection.cursor() as cursor:
            if vendor == "sqlite":
                phrase = '"' + text.replace('"', '""') + '"'
                cursor.execute(
                    "SELECT rowid FROM service_ticket_search WHERE service_ticket_search "
                    "MATCH %s ORDER BY rowid DESC LIMIT %s",
                    [phrase, limit],
                )
            else:
                cursor.execute(
                    f"SELECT id FROM service_ticket WHERE {SEARCH_EXPRESSION} "  # noqa: S608
                    "LIKE UPPER(%s) ORDER BY id DESC LIMIT %s",
                    [_like_pattern(text), limit],
                )
            return [row[0] for row in cursor.fetchall()]
    return list(
        Ticket.objects.filter(condition).order_by("-pk").values_list("pk", flat=True)[:limit]
    )
