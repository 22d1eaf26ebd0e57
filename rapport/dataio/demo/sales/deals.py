"""The demo deals, moved through the pipeline and won or lost, with their stage history spread
over the past months; and a few open tasks about them.
"""

import datetime

from django.utils import timezone

from rapport.activities import task_services
from rapport.activities.models import TimelineEntry
from rapport.dataio.demo.sales.context import DemoContext, order_lines
from rapport.dataio.demo.sales_names import DEAL_FATES, short_name
from rapport.sales.models import Deal, DealStageChange, DealStatus
from rapport.sales.selectors.forecast import quarter_start
from rapport.sales.services.deals import (
    deal_create,
    deal_lose,
    deal_move_stage,
    deal_update,
    deal_win,
)

DEMO_DEALS = 120  # including those made by converting leads
TASK_TITLES = (
    "发送报价单给{name}",
    "安排产品演示：{name}",
    "电话确认{name}的采购预算",
    "Send the contract to {name}",
)

# --- Deals ---------------------------------------------------------------------------------------


def _deal_times(
    ctx: DemoContext, fate: str, moves: int, *, created=None
) -> list[datetime.datetime]:
    """Times of the deal's creation and each of its `moves`, oldest first."""
    rng, now = ctx.rng, ctx.now
    if fate == "open":
        created = created or ctx.days_ago(2, 110)
        end = created + (now - created) * rng.uniform(0.3, 0.95)
    else:
        if created is None:
            if fate == "won" and rng.random() < 0.4:
                # Wins in the current quarter, for the forecast, quotas and leaderboard.
                start = timezone.make_aware(
                    datetime.datetime.combine(quarter_start(timezone.localdate()), datetime.time())
                )
                end = start + (now - start) * rng.uniform(0.05, 0.98)
                created = end - datetime.timedelta(days=rng.uniform(7, 60))
            else:
                created = ctx.days_ago(15, 330)
                end = min(
                    now - datetime.timedelta(hours=2),
                    created + datetime.timedelta(days=rng.uniform(7, 75)),
                )
        else:
            end = created + (now - created) * rng.uniform(0.2, 0.9)
    points = sorted(rng.uniform(0, 1) for _ in range(moves))
    return [created, *(created + (end - created) * p for p in points)]


def _backdate_deal(deal: Deal, times: list[datetime.datetime]) -> None:
    changes = list(DealStageChange.objects.filter(deal=deal).order_by("pk"))
    times = times[: len(changes)]
    for i, (change, when) in enumerate(zip(changes, times, strict=True)):
        change.changed_at = when
        change.seconds_in_previous_stage = (
            None if i == 0 else int((when - times[i - 1]).total_seconds())
        )
    DealStageChange.objects.bulk_update(changes, ["changed_at", "seconds_in_previous_stage"])
    entries = list(
        TimelineEntry.objects.filter(source_type="deal", source_id=deal.pk).order_by("pk")
    )
    for entry, when in zip(entries, times, strict=False):
        entry.occurred_at = when
    TimelineEntry.objects.bulk_update(entries, ["occurred_at"])
    Deal.objects.filter(pk=deal.pk).update(
        created_at=times[0],
        updated_at=times[-1],
        stage_entered_at=times[-1],
        closed_at=times[-1] if deal.status != DealStatus.OPEN else None,
    )


def _new_deal(ctx: DemoContext, fate: str, expected: datetime.date) -> Deal:
    rng = ctx.rng
    if rng.random() < 0.65:
        company = rng.choice(ctx.companies)
        owner, customer = ctx.users_by_id[company.owner_id], {"company_id": company.pk}
        label, lines = company.name, order_lines(ctx, company=True)
    else:
        person = rng.choice(ctx.persons)
        owner, customer = ctx.users_by_id[person.owner_id], {"person_id": person.pk}
        label, lines = person.full_name, order_lines(ctx, company=False)
    product = next(p for p in ctx.products if p.pk == lines[0]["product_id"])
    levels = ("low", "medium", "medium", "high")
    return deal_create(
        actor=owner,
        data={
            "title": f"{label} · {short_name(product.name)}"[:200],
            **customer,
            "lines": lines,
            "expected_close_date": expected.isoformat(),
            "purchase_intent": rng.choice(levels),
            "budget_status": rng.choice(levels),
            "urgency": rng.choice(levels),
        },
    )


def load_deals(ctx: DemoContext, open_stages, converted) -> list[Deal]:
    """Deals through their stages: open ones spread over the columns, won and lost ones closed
    with their reasons; the converted leads' deals are among them."""
    rng, today = ctx.rng, timezone.localdate()
    fates = list(DEAL_FATES[:DEMO_DEALS])
    rng.shuffle(fates)
    deals = []
    for i, (fate, stage_index) in enumerate(fates):
        if fate == "open":
            target = stage_index
        else:
            last = len(open_stages) - 1
            target = rng.randint(0, last) if fate == "lost" else rng.randint(min(1, last), last)
        moves = target + (0 if fate == "open" else 1)
        created = converted[i][1] if i < len(converted) else None
        times = _deal_times(ctx, fate, moves, created=created)
        expected = (
            today + datetime.timedelta(days=rng.randint(3, 160))
            if fate == "open"
            else timezone.localdate(times[-1])
        )
        if i < len(converted):
            deal = Deal.objects.get(pk=converted[i][0].converted_deal_id)
            deal = deal_update(
                actor=ctx.users_by_id[deal.owner_id],
                deal=deal,
                data={"expected_close_date": expected.isoformat()},
            )
        else:
            deal = _new_deal(ctx, fate, expected)
        actor = ctx.users_by_id[deal.owner_id]
        for stage in open_stages[1 : target + 1]:
            deal = deal_move_stage(actor=actor, deal=deal, stage=stage)
        if fate == "won":
            deal = deal_win(
                actor=actor, deal=deal, note=rng.choice(("", "合同已签 Contract signed"))
            )
        elif fate == "lost":
            deal = deal_lose(actor=actor, deal=deal, reason_id=rng.choice(ctx.lost_reason_ids))
        _backdate_deal(deal, times)
        deals.append(deal)
    return deals


# --- Tasks ---------------------------------------------------------------------------------------


def load_tasks(ctx: DemoContext, deals: list[Deal]) -> int:
    """A few open tasks about open deals, due around today (one or two already late)."""
    rng, count = ctx.rng, 0
    open_deals = [d for d in deals if d.status == DealStatus.OPEN]
    for deal in rng.sample(open_deals, k=min(8, len(open_deals))):
        owner = ctx.users_by_id[deal.owner_id]
        name = str(deal.person or deal.company)
        due = ctx.now + datetime.timedelta(days=rng.choice((-2, -1, 1, 1, 2, 3, 5, 7)))
        title = rng.choice(TASK_TITLES).format(name=name)
        task_services.task_create(
            actor=owner,
            data={
                "title": title[:200],
                "due_at": due,
                "remind_at": due - datetime.timedelta(hours=2) if due > ctx.now else None,
                "priority": rng.choice(("normal", "normal", "high")),
                "person_id": deal.person_id,
                "company_id": deal.company_id,
            },
            subject=deal,
            subject_label=deal.title,
        )
        count += 1
    return count
