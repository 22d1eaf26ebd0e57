"""The sales settings of the demo: catalogue and price list, pipeline and lost reasons, the web
form with scoring and assignment rules, and quotas.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone, translation

from rapport.customers.models import SourceChannel
from rapport.dataio.demo.sales.context import DemoContext, money
from rapport.dataio.demo.sales_names import (
    DISTRIBUTOR_DISCOUNT,
    LOST_REASONS,
    OFFICE,
    PRODUCTS,
    SCORING_RULES,
    SOFTWARE,
    TEA_SETS,
)
from rapport.sales.models import (
    ExchangeRate,
    LeadAssignmentRule,
    LeadForm,
    LeadScoringRule,
    LostReason,
    PriceList,
    Product,
    QuotaPeriod,
    Stage,
    StageKind,
)
from rapport.sales.selectors.forecast import period_end, quarter_start
from rapport.sales.services.catalog import price_list_create, price_list_set_price, product_create
from rapport.sales.services.currency import exchange_rate_create
from rapport.sales.services.deals import deal_create, lost_reason_create, pipeline_get_default
from rapport.sales.services.leads import (
    lead_assignment_rule_create,
    lead_form_create,
    lead_scoring_rule_create,
)
from rapport.sales.services.orders import order_create, payment_record
from rapport.sales.services.quotas import quota_set


def load_catalogue(ctx: DemoContext) -> None:
    """The products (those already there by SKU are kept) and a distributors' price list."""
    admin = ctx.admin
    for sku, name, category, price in PRODUCTS:
        product = Product.objects.filter(sku=sku).first() or product_create(
            actor=admin,
            data={"sku": sku, "name": name, "category": category, "unit_price": price},
        )
        ctx.products.append(product)
        ctx.by_category.setdefault(product.category, []).append(product)
    name = "经销商价格表 Distributor prices"
    price_list = PriceList.objects.filter(name=name).first() or price_list_create(
        actor=admin, data={"name": name, "currency": "CNY", "is_active": True}
    )
    for product in ctx.products:
        if product.category in (OFFICE, SOFTWARE, TEA_SETS):
            price_list_set_price(
                actor=admin,
                price_list=price_list,
                product=product,
                unit_price=money(product.unit_price * DISTRIBUTOR_DISCOUNT),
            )
    ctx.price_list_id = price_list.pk


STALE_AFTER_DAYS = (14, 14, 21, 21, 30, 30)


def load_pipeline(ctx: DemoContext) -> list[Stage]:
    """The default pipeline's open stages, in order; and the lost reasons.

    Stage names are data, stored in the language active when the pipeline is made; the demo
    speaks Chinese first, like its teams and tags.
    """
    with translation.override("zh-hans"):
        pipeline = pipeline_get_default()
    for name in LOST_REASONS:
        reason = LostReason.objects.filter(name=name).first() or lost_reason_create(
            actor=ctx.admin, data={"name": name}
        )
        ctx.lost_reason_ids.append(reason.pk)
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id"))
    # How long a deal may wait in each stage before it counts as stuck, so that the stale-deal
    # job and the home page's "stuck deals" panel have something to show: early stages move
    # fast, negotiation takes longer. A limit an administrator set is kept.
    for stage, days in zip(open_stages, STALE_AFTER_DAYS, strict=False):
        if stage.stale_after_days is None:
            stage.stale_after_days = days
            stage.save(update_fields=["stale_after_days"])
    return open_stages


def load_lead_settings(ctx: DemoContext) -> LeadForm:
    """The website's lead form, and the scoring and assignment rules unless there are some."""
    admin, teams = ctx.admin, ctx.teams
    name = "官网咨询表单 Website enquiry form"
    form = LeadForm.objects.filter(name=name).first() or lead_form_create(
        actor=admin,
        data={
            "name": name,
            "source": SourceChannel.WEB,
            "campaign": "2026 春季官网推广",
            "team_id": teams[0].pk,
            "thank_you_text": "感谢您的咨询，我们的顾问会在一个工作日内与您联系。",
            "fields": [
                {"key": "full_name", "label": "姓名 Name", "type": "text", "required": True},
                {"key": "phone", "label": "手机 Mobile", "type": "tel", "required": True},
                {"key": "email", "label": "邮箱 Email", "type": "email"},
                {"key": "company_name", "label": "公司 Company", "type": "text"},
                {"key": "city", "label": "城市 City", "type": "text"},
                {"key": "budget", "label": "预算（元）Budget (CNY)", "type": "number"},
                {
                    "key": "interest",
                    "label": "感兴趣的产品 Interested in",
                    "type": "select",
                    "options": ["茶具礼品", "办公设备", "软件", "实施服务"],
                },
                {"key": "message", "label": "留言 Message", "type": "textarea"},
            ],
        },
    )
    if not LeadScoringRule.objects.exists():
        _scoring_rules(ctx)
    if not LeadAssignmentRule.objects.exists():
        _assignment_rules(ctx)
    return form


def _scoring_rules(ctx: DemoContext) -> None:
    for position, (label, kind, field_name, value, points) in enumerate(SCORING_RULES):
        lead_scoring_rule_create(
            actor=ctx.admin,
            data={
                "label": label,
                "kind": kind,
                "field": field_name,
                "value": value,
                "points": points,
                "position": position,
            },
        )


def _assignment_rules(ctx: DemoContext) -> None:
    admin, teams = ctx.admin, ctx.teams
    lead_assignment_rule_create(
        actor=admin,
        data={
            "name": "官网线索 → 华东 Website leads → East",
            "source": SourceChannel.WEB,
            "team_id": teams[0].pk,
            "method": "round_robin",
            "position": 0,
        },
    )
    lead_assignment_rule_create(
        actor=admin,
        data={
            "name": "广东线索 → 华南 Guangdong leads → South",
            "region": "广东",
            "team_id": teams[1].pk,
            "method": "least_loaded",
            "position": 1,
        },
    )


def load_quotas(ctx: DemoContext) -> int:
    """Quarter quotas of every seller and team, this quarter and the next; returns how many."""
    rng, today = ctx.rng, timezone.localdate()
    this_quarter = quarter_start(today)
    count = 0
    for start in (this_quarter, period_end(QuotaPeriod.QUARTER, this_quarter)):
        for team in ctx.teams:
            members = [u for u in ctx.sellers if u.team_id == team.pk]
            team_amount = Decimal("0")
            for user in members:
                amount = Decimal(rng.randrange(30, 80) * 10_000)
                team_amount += amount
                quota_set(
                    actor=ctx.admin,
                    data={
                        "user_id": user.pk,
                        "period": QuotaPeriod.QUARTER,
                        "period_start": start.isoformat(),
                        "amount": money(amount),
                        "won_count": rng.randint(3, 8),
                    },
                )
                count += 1
            quota_set(
                actor=ctx.admin,
                data={
                    "team_id": team.pk,
                    "period": QuotaPeriod.QUARTER,
                    "period_start": start.isoformat(),
                    "amount": money(team_amount),
                    "won_count": 5 * len(members),
                },
            )
            count += 1
    return count


# --- Other currencies ----------------------------------------------------------------------------

# Units of CNY per unit, about where they stood in 2025–2026: the demo's rates move around these.
DEMO_RATES = {"USD": Decimal("7.15"), "EUR": Decimal("7.80")}
RATE_MONTHS = 25
FOREIGN_DEALS = (
    ("USD", "Pacific Tea Imports · 出口茶礼", "48000.00"),
    ("USD", "Harbor Office Supply · 办公设备", "12500.00"),
    ("EUR", "Rhein Handel GmbH · 茶具", "9800.00"),
    ("EUR", "Maison Lumière · 礼品定制", "15200.00"),
)
FOREIGN_ORDERS = (
    ("USD", "Longjing gift box, export", 40, "52.00", 300),
    ("USD", "Celadon cup set", 120, "8.75", 120),
    ("USD", "Office chair, export", 10, "189.00", 45),
    ("EUR", "Tea set, porcelain", 30, "64.50", 200),
    ("EUR", "Implementation service (days)", 5, "720.00", 20),
)


def load_exchange_rates(ctx: DemoContext) -> int:
    """A USD and a EUR rate on the first of each month for two years, so that every total over
    the demo's currencies converts (docs/decisions.md, "Money"); days that have one are kept."""
    # A generator of its own: the rest of the demo draws the same numbers as before.
    rng = random.Random(1401)
    first = timezone.localdate().replace(day=1)
    months = []
    for _i in range(RATE_MONTHS):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    count = 0
    for currency, centre in DEMO_RATES.items():
        for month in reversed(months):
            if ExchangeRate.objects.filter(currency=currency, valid_from=month).exists():
                continue
            rate = centre * (1 + Decimal(rng.randint(-250, 250)) / 10_000)
            exchange_rate_create(
                actor=ctx.admin,
                data={
                    "currency": currency,
                    "valid_from": month.isoformat(),
                    "rate": str(rate.quantize(Decimal("0.0001"))),
                    "source": "中国人民银行中间价 PBOC central parity",
                },
            )
            count += 1
    return count


def load_foreign_currency_sales(ctx: DemoContext) -> tuple[int, int]:
    """A few open deals and orders in USD and EUR with foreign companies' names, so that the
    kanban, the forecast, receivables and customer values show conversions; returns (deals,
    orders)."""
    rng = random.Random(1402)
    today = timezone.localdate()
    companies = sorted(ctx.companies, key=lambda c: c.pk)[-len(FOREIGN_DEALS) - 3 :]
    deals = orders = 0
    for (currency, title, amount), company in zip(FOREIGN_DEALS, companies, strict=False):
        deal_create(
            actor=ctx.users_by_id[company.owner_id],
            data={
                "title": title,
                "company_id": company.pk,
                "amount": amount,
                "currency": currency,
                "expected_close_date": (
                    today + datetime.timedelta(days=rng.randint(20, 80))
                ).isoformat(),
            },
        )
        deals += 1
    for (currency, description, quantity, price, days_ago), company in zip(
        FOREIGN_ORDERS, companies, strict=False
    ):
        actor = ctx.users_by_id[company.owner_id]
        placed = max(
            ctx.now - datetime.timedelta(days=days_ago),
            company.created_at + datetime.timedelta(hours=1),
        )
        placed = min(placed, ctx.now - datetime.timedelta(hours=1))
        order = order_create(
            actor=actor,
            data={
                "company_id": company.pk,
                "currency": currency,
                "price_list_id": None,
                "placed_at": placed,
                "lines": [{"description": description, "quantity": quantity, "unit_price": price}],
                "discount_percent": "5" if quantity >= 30 else None,
            },
        )
        if days_ago > 100:
            payment_record(
                actor=actor,
                order=order,
                amount=order.total,
                paid_at=min(placed + datetime.timedelta(days=20), ctx.now),
                method="bank_transfer",
                reference=f"DEMO-FX-{order.pk:06d}",
            )
        orders += 1
    return deals, orders
