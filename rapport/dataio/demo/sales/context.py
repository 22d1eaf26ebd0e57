"""What the parts of the sales demo share: the context they run in, a deal's or order's lines."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rapport.accounts.models import Role, Team, User
from rapport.activities.models import TimelineEntry
from rapport.customers.models import Company, Person
from rapport.dataio.demo.sales_names import COMPANY_CATEGORIES, PERSON_CATEGORIES, QUANTITIES
from rapport.sales.models import Product

CENT = Decimal("0.01")


@dataclass
class DemoContext:
    rng: random.Random
    now: datetime.datetime
    admin: User
    sellers: list[User]
    teams: list[Team]
    persons: list[Person]
    companies: list[Company]
    users_by_id: dict[int, User]
    products: list[Product] = field(default_factory=list)
    by_category: dict[str, list[Product]] = field(default_factory=dict)
    price_list_id: int | None = None
    lost_reason_ids: list[int] = field(default_factory=list)

    def days_ago(self, low: float, high: float) -> datetime.datetime:
        return self.now - datetime.timedelta(days=self.rng.uniform(low, high))

    def sellers_of(self, team_id: int | None) -> list[User]:
        return [u for u in self.sellers if u.team_id == team_id] or self.sellers

    def manager_of(self, team_id: int | None) -> User:
        managers = [
            u for u in self.sellers if u.team_id == team_id and u.role == Role.SALES_MANAGER
        ]
        return managers[0] if managers else self.admin


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def order_lines(ctx: DemoContext, *, company: bool, count: int | None = None) -> list[dict]:
    rng = ctx.rng
    categories = COMPANY_CATEGORIES if company else PERSON_CATEGORIES
    lines, used = [], set()
    for _ in range(count or rng.choice((1, 1, 1, 2, 2, 3))):
        product = rng.choice(ctx.by_category[rng.choice(categories)])
        if product.pk in used:
            continue
        used.add(product.pk)
        lines.append(product_line(ctx, product, company=company))
    return lines


def product_line(ctx: DemoContext, product: Product, *, company: bool) -> dict:
    """An order line of `product` in the quantity a person or a company buys it."""
    rng = ctx.rng
    low, high = QUANTITIES.get(product.category, ((1, 3), (1, 10)))[1 if company else 0]
    line = {"product_id": product.pk, "quantity": rng.randint(low, high)}
    gross = product.unit_price * line["quantity"]
    if company and gross >= 20000 and rng.random() < 0.4:
        # A round discount of about 5 %, as salespeople give it.
        line["discount"] = money((gross * Decimal("0.05")).quantize(Decimal("100")))
    return line


def lines_total(ctx: DemoContext, lines: list[dict]) -> Decimal:
    prices = {p.pk: p.unit_price for p in ctx.products}
    return sum(
        (
            prices[ln["product_id"]] * ln["quantity"] - Decimal(ln.get("discount", "0"))
            for ln in lines
        ),
        Decimal("0"),
    )


def move_created(model, pk: int, when: datetime.datetime) -> None:
    field_name = "person_id" if model is Person else "company_id"
    model.objects.filter(pk=pk).update(created_at=when, updated_at=when)
    TimelineEntry.objects.filter(**{field_name: pk}, kind="record.created").update(occurred_at=when)
