import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from rapport.analytics.facts.customer_upkeep import (
    customer_facts_rebuild_alone,
    customer_pointers_fill,
)
from rapport.analytics.facts.upkeep import facts_compare, facts_rebuild


class Command(BaseCommand):
    help = (
        "Compute the daily facts of orders, order lines and payments, and the per-customer "
        "facts, and the daily counts of interactions, leads and closed deals, again from their "
        "tables, a month at a time (after a bulk load, or to repair). With --check, compare them "
        "with a direct query first and rebuild only if "
        "they differ; with --check-only, compare and fail if they differ, writing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Rebuild only if wrong.")
        parser.add_argument(
            "--check-only", action="store_true", help="Compare only; exit 1 if they differ."
        )
        parser.add_argument(
            "--customers-only",
            action="store_true",
            help="Rebuild only the per-customer facts (after upgrading; the daily ones are kept).",
        )
        parser.add_argument(
            "--receivables-only",
            action="store_true",
            help="Only the receivable facts (after upgrading; the other facts are kept).",
        )
        parser.add_argument(
            "--activity-only",
            action="store_true",
            help=(
                "Only the daily counts of interactions, leads and closed deals (after upgrading; "
                "the order facts are kept)."
            ),
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["customers_only"]:
            written = customer_facts_rebuild_alone(progress=lambda line: self.stdout.write(line))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {written['customers']:,} customer and {written['customer_days']:,} "
                    f"customer day facts in {time.monotonic() - started:.1f}s."
                )
            )
            return
        if options["receivables_only"]:
            from rapport.analytics.facts.upkeep import receivables_rebuild

            written = receivables_rebuild()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {written:,} receivable facts in {time.monotonic() - started:.1f}s."
                )
            )
            return
        activity_only = options["activity_only"]
        if activity_only and not (options["check"] or options["check_only"]):
            self._rebuild_activity(started)
            return
        if options["check"] or options["check_only"]:
            differences = {} if activity_only else facts_compare()
            if self._activity_tables():
                from rapport.analytics.facts.activity_upkeep import activity_facts_compare

                differences.update(activity_facts_compare())
            wrong = {name: rows for name, rows in differences.items() if rows}
            for name, rows in wrong.items():
                self.stdout.write(f"{name}: {len(rows):,} fact rows differ, e.g.")
                for key, stored, fresh in rows[:5]:
                    self.stdout.write(f"  {key}: stored {stored}, computed {fresh}")
            if not wrong:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"The facts equal the sales tables ({time.monotonic() - started:.1f}s)."
                    )
                )
                return
            if options["check_only"]:
                raise CommandError("The facts differ from the sales tables.")
            if activity_only or set(wrong) <= {"interaction", "lead", "deal"}:
                self._rebuild_activity(started)
                return
            if set(wrong) == {"customer_pointers"}:
                changed = customer_pointers_fill()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Computed the pointers of {changed:,} customer day facts again in "
                        f"{time.monotonic() - started:.1f}s."
                    )
                )
                return
        written = facts_rebuild(progress=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {written['orders']:,} order, {written['lines']:,} line, "
                f"{written['line_months']:,} monthly line, {written['cash']:,} cash, "
                f"{written.get('receivables', 0):,} receivable, "
                f"{written['customers']:,} customer and {written['customer_days']:,} customer day "
                f"facts for {written['slices']:,} orders in {time.monotonic() - started:.1f}s."
            )
        )
        self._rebuild_activity(time.monotonic())

    def _activity_tables(self) -> bool:
        """Whether the daily counts of interactions, leads and deals have their tables: a
        database not yet migrated to them keeps its order facts rebuilt (a bulk load started
        before the upgrade calls this command at its end)."""
        try:
            from rapport.analytics.facts.models import RecordFactDay
        except ImportError:  # the code this process started with predates them
            return False
        if RecordFactDay._meta.db_table not in connection.introspection.table_names():
            self.stdout.write(
                "No tables for the daily counts of interactions, leads and deals: "
                "run `manage.py migrate analytics_facts`, then `rebuild_facts --activity-only`."
            )
            return False
        return True

    def _rebuild_activity(self, started: float) -> None:
        if not self._activity_tables():
            return
        from rapport.analytics.facts.activity_upkeep import activity_facts_rebuild

        written = activity_facts_rebuild(progress=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {written['interaction']:,} interaction, {written['lead']:,} lead and "
                f"{written['deal']:,} closed deal facts in {time.monotonic() - started:.1f}s."
            )
        )
