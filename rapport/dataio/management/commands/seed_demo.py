import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from rapport.customers.models import Company, Person
from rapport.dataio.demo.bulk import bulk_load
from rapport.dataio.demo.bulk_sales import bulk_sales_load
from rapport.dataio.demo.demo_set import demo_load


class Command(BaseCommand):
    # A data loader needs the models, not the URL configuration the system checks import.
    requires_system_checks = []
    help = (
        "Load demo data. Without sizes: the bilingual demo set (teams, users, a few hundred "
        "persons, ~100 companies, interactions, products, leads, deals, orders and payments, "
        "a few customers typed twice, found by a duplicate scan), built through the services. "
        "With --persons, --interactions, --leads, --deals and/or --orders: benchmark-sized "
        "data written with raw SQL (refused on a database that "
        "already has persons, unless --append; sales data alone is added to the persons and "
        "companies already there)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, help="Bulk mode: number of persons to add.")
        parser.add_argument(
            "--interactions", type=int, help="Bulk mode: number of interactions to add."
        )
        parser.add_argument(
            "--companies", type=int, help="Bulk mode: number of companies (default persons/20)."
        )
        parser.add_argument("--leads", type=int, help="Bulk mode: number of leads to add.")
        parser.add_argument(
            "--deals", type=int, help="Bulk mode: number of deals to add (default pipeline)."
        )
        parser.add_argument(
            "--open-deals",
            type=int,
            help="Bulk mode: how many of the deals are open (default a fifth, at most 10,000); "
            "the others are won or lost.",
        )
        parser.add_argument(
            "--orders",
            type=int,
            help="Bulk mode: number of orders to add, with their lines, instalments and payments.",
        )
        parser.add_argument(
            "--order-lines",
            type=int,
            help="Bulk mode: about how many order lines in all (default 2.1 per order), e.g. "
            "10000000 for 3000000 orders.",
        )
        parser.add_argument(
            "--users", type=int, default=40, help="Bulk mode: sales users to spread records over."
        )
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already has persons."
        )
        parser.add_argument(
            "--password",
            default=None,
            help="Password for the demo users (default: the administrator's, see bootstrap).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed.")

    def handle(self, *args, **options):
        if Person.objects.exists() and not options["append"]:
            raise CommandError(
                "This database already has persons. Use --append to add more, or seed an "
                "empty database."
            )
        sizes = ("persons", "interactions", "leads", "deals", "orders")
        if any(options[name] is not None for name in sizes):
            return self._bulk(options)
        started = time.monotonic()
        result = demo_load(password=options["password"], seed=options["seed"])
        sales = result.sales
        self.stdout.write(
            f"Demo data: {result.persons} persons, {result.companies} companies, "
            f"{result.interactions} interactions, {sales.products} products, {sales.leads} "
            f"leads, {sales.deals} deals, {sales.orders} orders, {sales.payments} payments, "
            f"{sales.quotas} quotas, {sales.tasks} tasks, {len(result.usernames)} users, "
            f"{result.duplicates.candidates} likely duplicates to review, "
            f"{result.service.tickets} tickets, {result.service.articles} help-centre articles, "
            f"{result.service.csat_answers} CSAT and {result.service.nps_answers} NPS answers, "
            f"{result.service.sla_targets} service level targets "
            f"({time.monotonic() - started:.1f}s)."
        )
        self.stdout.write(
            "Demo users (they share the administrator's password): " + ", ".join(result.usernames)
        )
        if "refresh_analytics" in get_commands():
            # Customer values, lifetime value, churn risk and recommendations, computed now
            # rather than at night (called by name: analytics is a layer above this one).
            call_command("refresh_analytics", stdout=self.stdout)

    def _bulk(self, options):
        persons = options["persons"] or 0
        interactions = options["interactions"] or 0
        companies = options["companies"]
        if companies is None:
            companies = max(10, persons // 20) if persons else 0
        leads, deals, orders = (options[name] or 0 for name in ("leads", "deals", "orders"))
        for name, value in (
            ("persons", persons),
            ("interactions", interactions),
            ("leads", leads),
            ("deals", deals),
            ("orders", orders),
            ("open-deals", options["open_deals"] or 0),
        ):
            if value < 0:
                raise CommandError(f"--{name} must be zero or more.")
        if interactions and not persons and not companies:
            raise CommandError("Interactions need persons or companies to belong to.")
        if persons or interactions or companies:
            self._bulk_customers(options, persons, interactions, companies)
        if leads or deals or orders:
            self._bulk_sales(options, leads, deals, orders)

    def _bulk_customers(self, options, persons: int, interactions: int, companies: int) -> None:
        result = bulk_load(
            persons=persons,
            interactions=interactions,
            companies=companies,
            users=options["users"],
            password=options["password"],
            seed=options["seed"],
            progress=lambda line: self.stdout.write(line),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.persons:,} persons, {result.companies:,} companies, "
                f"{result.interactions:,} interactions, {result.timeline_entries:,} timeline "
                f"entries and {result.search_terms:,} search terms in {result.seconds:.1f}s."
            )
        )

    def _bulk_sales(self, options, leads: int, deals: int, orders: int) -> None:
        if (deals or orders) and not (Person.objects.exists() or Company.objects.exists()):
            raise CommandError(
                "Deals and orders are for customers: add --persons, or load persons first."
            )
        result = bulk_sales_load(
            leads=leads,
            deals=deals,
            orders=orders,
            open_deals=options["open_deals"],
            order_lines=options["order_lines"],
            users=options["users"],
            password=options["password"],
            seed=options["seed"],
            progress=lambda line: self.stdout.write(line),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.leads:,} leads ({result.lead_events:,} history entries), "
                f"{result.deals:,} deals ({result.open_deals:,} open, {result.stage_changes:,} "
                f"stage changes), {result.orders:,} orders with {result.lines:,} lines, "
                f"{result.instalments:,} instalments and {result.payments:,} payments in "
                f"{result.seconds:.1f}s."
            )
        )
        if orders and "rebuild_facts" in get_commands():
            # The rows went in without the services, which keep the analytics' daily facts:
            # those are computed once, from all the orders (called by name: the analytics app
            # is a layer above this one).
            call_command("rebuild_facts", stdout=self.stdout)
