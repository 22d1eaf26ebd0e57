"""Indexes for a million tickets.

An index for the ticket list's text search (substrings of the subject and the requester's
name and e-mail, Chinese included), so a search does not read a million subjects.

- SQLite: an FTS5 table with the trigram tokenizer over those columns, its content read from
  `service_ticket` and kept by triggers (`rapport.service.search`, which also puts the triggers
  back after a migration that rebuilt the table);
- PostgreSQL: a pg_trgm GIN index on the same text, upper-cased as `icontains` compares.

Partial indexes of the merged, follow-up and order tickets: nearly every ticket has none, so
SQLite's statistics (one NULL "value" shared by a million rows) made the plain foreign-key index
look useless and the ticket page read the whole table for its merged tickets.

Index operations only: no model field changes. See docs/decisions.md ("Ticket search").
"""

from django.db import migrations, models

from rapport.service.search import (
    POSTGRES_DROP,
    POSTGRES_INDEX,
    SQLITE_DROP,
    ensure_sqlite_search_index,
)


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        ensure_sqlite_search_index(connection)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in POSTGRES_INDEX:
                cursor.execute(sql)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.vendor, ())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("service", "0004_sla_china_calendar")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(merged_into__isnull=False),
                fields=["merged_into"],
                name="ticket_merged_into_set_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(reopened_from__isnull=False),
                fields=["reopened_from"],
                name="ticket_reopened_from_set_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(order__isnull=False),
                fields=["order"],
                name="ticket_order_set_idx",
            ),
        ),
    ]
