"""Raw-SQL writing of many rows of one table, and the column lists of the tables written so.

The import's writer (`services/imports/writer/`, `services/imports/interactions.py`) and the
demo's bulk loader (`rapport.dataio.demo.bulk`) write persons, companies, interactions and
timeline entries with `TableWriter`: `executemany` on SQLite, `COPY` on PostgreSQL, one prepared
`UPDATE` or `DELETE` for many rows. The column lists name, in order, the columns each of them
fills, so both write rows of the same shape.
"""

from collections.abc import Iterable

from django.db import connection

PERSON_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "owner_id",
    "team_id",
    "notes",
    "custom",
    "version",
    "full_name",
    "given_name",
    "family_name",
    "gender",
    "birthday",
    "preferences",
    "primary_phone",
    "primary_email",
    "middle_name",
    "nickname",
    "website",
    "birth_month",
    "birth_day",
    "raw_phones",
)
COMPANY_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "industry",
    "region",
    "source",
    "lifecycle_stage",
    "owner_id",
    "team_id",
    "notes",
    "custom",
    "version",
    "name",
    "english_name",
    "website",
    "phone",
    "email",
)
TIMELINE_COLUMNS = (
    "company_id",
    "person_id",
    "kind",
    "occurred_at",
    "title",
    "body",
    "actor_id",
    "source_type",
    "source_id",
    "data",
)
INTERACTION_TABLE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "person_id",
    "company_id",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "content",
    "outcome",
    "logged_by_id",
)


class TableWriter:
    """Inserts rows of one table; executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.vendor = connection.vendor

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        count = 0
        if self.vendor == "postgresql":
            cols = ", ".join(columns)
            with self.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join("?" * len(columns))
        rows = list(rows)
        self.cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )
        return len(rows)

    def update(self, model, objects: list, field_names: Iterable[str]) -> int:
        """Save `field_names` of each of `objects` with one prepared UPDATE run for all of
        them. Django's `bulk_update` builds a CASE expression per column over each batch, which
        SQLite plans and runs far slower (1.5 ms a row against a million-row table)."""
        if not objects:
            return 0
        fields = [model._meta.get_field(name) for name in field_names]
        mark = "%s" if self.vendor == "postgresql" else "?"
        assignments = ", ".join(f'"{f.column}" = {mark}' for f in fields)
        table = model._meta.db_table
        pk = model._meta.pk
        rows = [
            [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            + [pk.get_db_prep_save(obj.pk, connection)]
            for obj in objects
        ]
        self.cursor.executemany(
            f'UPDATE "{table}" SET {assignments} WHERE "{pk.column}" = {mark}',  # noqa: S608
            rows,
        )
        return len(rows)

    def delete(self, table: str, key: str, column: str, rows: list[tuple]) -> int:
        """Delete the rows with each of `rows`' (key, column) values, with one prepared DELETE
        found through the index on `key` only. Given both, SQLite takes the index on `column`,
        and a search term such as the initials `n:lt` is shared by tens of thousands of persons:
        each delete then walked all of them (100,000 updates had not finished after ten minutes)."""
        if not rows:
            return 0
        mark = "%s" if self.vendor == "postgresql" else "?"
        # `|| ''` keeps the comparison off the column's own index, on SQLite and PostgreSQL.
        where = f'"{key}" = {mark} AND "{column}" || \'\' = {mark}'
        self.cursor.executemany(f'DELETE FROM "{table}" WHERE {where}', rows)  # noqa: S608
        return len(rows)
