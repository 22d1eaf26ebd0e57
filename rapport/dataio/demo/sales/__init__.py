"""The sales part of the demo set: a product catalogue and a price list, the pipeline and its lost
reasons, a web-to-lead form with scoring and assignment rules, leads, deals, quotas, orders with
their payments, and a few open tasks — all through the sales services, as the demo users.

The services stamp what they write "now". Afterwards only times are moved, as `demo_set._backdate`
does for customers: leads and their history over the past months, each deal's stage changes over
its life. Orders need no moving (their services take the time things happened), except those
made from a won deal. Amounts, statuses and links are never touched after the services wrote
them, so totals, payments and instalments stay exactly as the services keep them.
"""

import datetime
import random
from dataclasses import dataclass

from rapport.accounts.models import Role, Team, User
from rapport.customers.models import Company, Person
from rapport.dataio.demo.sales.context import DemoContext
from rapport.dataio.demo.sales.deals import load_deals, load_tasks
from rapport.dataio.demo.sales.leads import load_leads
from rapport.dataio.demo.sales.orders import load_orders
from rapport.dataio.demo.sales.setup import (
    load_catalogue,
    load_exchange_rates,
    load_foreign_currency_sales,
    load_lead_settings,
    load_pipeline,
    load_quotas,
)
from rapport.sales.models import Lead


@dataclass
class SalesDemoResult:
    products: int = 0
    leads: int = 0
    deals: int = 0
    orders: int = 0
    payments: int = 0
    quotas: int = 0
    tasks: int = 0


def sales_demo_load(
    *,
    rng: random.Random,
    now: datetime.datetime,
    admin: User,
    users: list[User],
    teams: list[Team],
    persons: list[Person],
    companies: list[Company],
) -> SalesDemoResult:
    """Add the sales demo data for the demo customers; runs inside `demo_load`'s transaction.

    `persons` and `companies` must already carry their (backdated) creation times: orders are
    placed after their customer appeared.
    """
    sellers = [u for u in users if u.role in (Role.SALES_MANAGER, Role.SALES_REP)]
    ctx = DemoContext(
        rng=rng,
        now=now,
        admin=admin,
        sellers=sellers,
        teams=teams,
        persons=persons,
        companies=companies,
        users_by_id={u.pk: u for u in [*users, admin]},
    )
    leads_before = Lead.objects.count()
    load_catalogue(ctx)
    open_stages = load_pipeline(ctx)
    form = load_lead_settings(ctx)
    converted = load_leads(ctx, form)
    deals = load_deals(ctx, open_stages, converted)
    orders, payments = load_orders(ctx, deals)
    quotas = load_quotas(ctx)
    tasks = load_tasks(ctx, deals)
    # Last, with generators of their own, so the CNY history above stays as it was.
    load_exchange_rates(ctx)
    foreign_deals, foreign_orders = load_foreign_currency_sales(ctx)
    return SalesDemoResult(
        products=len(ctx.products),
        leads=Lead.objects.count() - leads_before,
        deals=len(deals) + foreign_deals,
        orders=orders + foreign_orders,
        payments=payments,
        quotas=quotas,
        tasks=tasks,
    )
