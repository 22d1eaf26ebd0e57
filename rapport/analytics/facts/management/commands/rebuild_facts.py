import time

from django.core.management.base import BaseCommand, CommandError

from rapport.analytics.facts.customer_upkeep import customer_facts_rebuild_alone
from rapport.analytics.facts.upkeep import facts_compare, facts_rebuild


class Command(BaseCommand):
    help = (
        "Compute the daily facts of orders, order lines and payments, and the per-customer "
        "facts, again from the sales tables, a month at a time (after a bulk load, or to "
        "repair). With --check, compare them with a direct query first and rebuild only if "
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
        if options["check"] or options["check_only"]:
            differences = facts_compare()
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
        written = facts_rebuild(progress=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {written['orders']:,} order, {written['lines']:,} line, "
                f"{written['line_months']:,} monthly line, {written['cash']:,} cash, "
                f"{written['customers']:,} customer and {written['customer_days']:,} customer day "
                f"facts for {written['slices']:,} orders in {time.monotonic() - started:.1f}s."
            )
        )
