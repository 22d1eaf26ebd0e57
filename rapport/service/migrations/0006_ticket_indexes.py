"""Tickets lose the indexes another index already serves (issue 16, docs/decisions.md "Ticket
indexes"): every ticket change that is not a HOT update writes each of them, and raising the
priority of a 100,000-ticket backlog wrote 31 indexes per row.

- the foreign keys' own single-column indexes where a composite index starts with the column
  (assignee, team, person, company, customer_owner) or a partial index over the non-null rows
  serves the lookups (merged_into, reopened_from, order);
- `ticket_order_idx`, a third index on `order_id`;
- `ticket_priority_idx`: a priority filter reads the status, queue or activity indexes;
- `ticket_requester_idx` (requester e-mail, status): no query looks a ticket up by its
  requester's exact address (the search uses the substring index);
- an SLA target's own index on its ticket: `sla_target_ticket_idx` (ticket, started_at) and
  the running targets' unique (ticket, kind) serve it; the check's claim writes every
  breached target's indexes too;
- the product's index holds only the tickets that have one (`ticket_product_set_idx`), like
  the order's, merged and follow-up tickets'.

The foreign keys' indexes are dropped by name (`DROP INDEX IF EXISTS`), not by AlterField,
which on SQLite would copy the whole table (and drop the search triggers) to change nothing
else.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The foreign keys whose own index goes (model, field).
FOREIGN_KEYS = (
    ("Ticket", "assignee"),
    ("Ticket", "team"),
    ("Ticket", "person"),
    ("Ticket", "company"),
    ("Ticket", "order"),
    ("Ticket", "customer_owner"),
    ("Ticket", "merged_into"),
    ("Ticket", "reopened_from"),
    ("Ticket", "product"),
    ("SlaTarget", "ticket"),
)


def _indexes(apps, schema_editor):
    for model_name, name in FOREIGN_KEYS:
        model = apps.get_model("service", model_name)
        table = model._meta.db_table
        column = model._meta.get_field(name).column
        yield table, column, schema_editor._create_index_name(table, [column], suffix="")


def drop_fk_indexes(apps, schema_editor):
    for _table, _column, index in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


def create_fk_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column, index in _indexes(apps, schema_editor):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index)} ON {quote(table)} ({quote(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0005_ticket_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_priority_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_order_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_requester_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assignee",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="company",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="customers.company",
                        verbose_name="company",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="customer_owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="customer owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merged_tickets",
                        to="service.ticket",
                        verbose_name="merged into",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="order",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="sales.order",
                        verbose_name="order",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="person",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="customers.person",
                        verbose_name="person",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="reopened_from",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="follow_ups",
                        to="service.ticket",
                        verbose_name="follows up on",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.team",
                        verbose_name="queue",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="product",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="sales.product",
                        verbose_name="product",
                    ),
                ),
                migrations.AlterField(
                    model_name="slatarget",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sla_targets",
                        to="service.ticket",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_fk_indexes, create_fk_indexes, elidable=False),
            ],
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("product__isnull", False)),
                fields=["product"],
                name="ticket_product_set_idx",
            ),
        ),
    ]
