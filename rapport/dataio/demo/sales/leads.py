"""The demo leads, captured through every channel and worked to their status; their history is
then spread over the weeks before today.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from pypinyin import lazy_pinyin

from rapport.activities import task_services
from rapport.activities.models import Task, TaskStatus, TimelineEntry
from rapport.customers.models import Company, Person
from rapport.dataio.demo import names
from rapport.dataio.demo.sales.context import (
    DemoContext,
    lines_total,
    money,
    move_created,
    order_lines,
)
from rapport.dataio.demo.sales_names import (
    CAMPAIGNS,
    DISQUALIFY_REASONS,
    LEAD_FATES,
    LEAD_MESSAGES,
    LEAD_SOURCES,
    short_name,
)
from rapport.sales.models import Lead, LeadStatus, Product
from rapport.sales.models.leads import LeadCaptureChannel, LeadEvent
from rapport.sales.services.leads import (
    lead_assign_to,
    lead_capture_from_form,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_event_add,
    lead_score_recompute,
    lead_update,
)

DEMO_LEADS = 80
# Leads whose owner has been in touch: their automatic follow-up task is done.
WORKED_STATUSES = (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.CONVERTED)


# --- Leads ---------------------------------------------------------------------------------------


def _lead_contact(rng: random.Random, i: int) -> tuple[str, str, str, str]:
    """A name, mobile, e-mail and region that no demo person has (so conversion creates one)."""
    if rng.random() < 0.15:
        given = rng.choice(names.ENGLISH_GIVEN_NAMES)
        family = rng.choice(names.ENGLISH_FAMILY_NAMES)
        full_name, local = f"{given} {family}", f"{given}.{family}".lower()
        domain = rng.choice(names.EMAIL_DOMAINS_EN)
    else:
        full_name = rng.choice(names.SURNAMES[:40]) + rng.choice(names.GIVEN_NAMES)
        local = "".join(lazy_pinyin(full_name))
        domain = rng.choice(names.EMAIL_DOMAINS_CN)
    prefix = rng.choice(names.CN_MOBILE_PREFIXES)
    # The lead's number in the last four digits keeps the phones apart.
    phone = f"+86{prefix}{rng.randrange(10**4):04d}{i:04d}"
    email = f"{local}{rng.randrange(10, 99)}@{domain}"
    return full_name, phone, email, rng.choice(list(names.PLACES))


def _lead_data(ctx: DemoContext, i: int) -> dict:
    rng = ctx.rng
    full_name, phone, email, region = _lead_contact(rng, i)
    company = ""
    if rng.random() < 0.6:
        kind, _kind_en = rng.choice(names.COMPANY_KINDS)
        company = (
            f"{region}{rng.choice(names.COMPANY_TRADE_NAMES)}{kind}"
            f"{rng.choice(names.COMPANY_SUFFIXES)}"
        )
    product = rng.choice(ctx.products)
    data = {
        "full_name": full_name,
        "phone": phone,
        "email": email if rng.random() < 0.7 else "",
        "company_name": company,
        "job_title": rng.choice(names.JOB_TITLES) if company else "",
        "region": region,
        "city": rng.choice(list(names.PLACES[region])),
        "product_interest_id": product.pk if rng.random() < 0.7 else None,
        "message": rng.choice(LEAD_MESSAGES),
        "campaign": rng.choice(CAMPAIGNS),
    }
    if rng.random() < 0.5:
        data["budget"] = money(Decimal(rng.choice((5, 8, 12, 20, 30, 50, 80, 120, 200)) * 1000))
    return data


def _capture(ctx: DemoContext, i: int, form) -> Lead:
    rng = ctx.rng
    data = _lead_data(ctx, i)
    choice = rng.random()
    if choice < 0.3:
        answers = {k: v for k, v in data.items() if k in {f["key"] for f in form.fields} and v}
        answers["interest"] = rng.choice(["茶具礼品", "办公设备", "软件", "实施服务"])
        # TEST-NET addresses: one per submission, so the per-address rate limit never bites.
        return lead_capture_from_form(form=form, data=answers, ip=f"198.51.100.{i % 250}")
    data["source"] = rng.choice(LEAD_SOURCES)
    if choice < 0.5:
        manager = ctx.manager_of(rng.choice(ctx.teams).pk)
        data["team_id"] = manager.team_id
        return lead_create(actor=manager, data=data, channel=LeadCaptureChannel.IMPORT)
    seller = rng.choice(ctx.sellers)
    channel = LeadCaptureChannel.API if choice < 0.65 else LeadCaptureChannel.MANUAL
    return lead_create(actor=seller, data=data, channel=channel)


def _lead_times(ctx: DemoContext, status: str) -> tuple[datetime.datetime, datetime.datetime]:
    """When the lead came in and when its last step happened."""
    if status == LeadStatus.NEW:
        created = ctx.days_ago(0.2, 12)
        return created, created
    created = ctx.days_ago(5, 100)
    return created, created + (ctx.now - created) * ctx.rng.uniform(0.1, 0.8)


def _work_lead(ctx: DemoContext, lead: Lead, status: str, deal_lines: list[dict]) -> Lead:
    rng = ctx.rng
    if status == LeadStatus.NEW:
        return lead
    if lead.owner_id is None:
        owner = rng.choice(ctx.sellers_of(lead.team_id))
        lead = lead_assign_to(actor=ctx.manager_of(owner.team_id), lead=lead, owner=owner)
    owner = ctx.users_by_id[lead.owner_id]
    if status == LeadStatus.DISQUALIFIED:
        if rng.random() < 0.5:
            lead_event_add(actor=owner, lead=lead, kind="contact", channel="call")
        return lead_disqualify(actor=owner, lead=lead, reason=rng.choice(DISQUALIFY_REASONS))
    lead_event_add(
        actor=owner, lead=lead, kind="contact", channel=rng.choice(("call", "chat", "email"))
    )
    if status == LeadStatus.CONTACTED:
        return lead
    lead = lead_update(actor=owner, lead=lead, data={"status": "qualified"}, version=None)
    if status == LeadStatus.QUALIFIED:
        return lead
    product = Product.objects.get(pk=deal_lines[0]["product_id"])
    title = f"{lead.company_name or lead.full_name} · {short_name(product.name)}"
    return lead_convert(
        actor=owner,
        lead=lead,
        deal_data={
            "title": title[:200],
            "lines": deal_lines,
            "amount": money(lines_total(ctx, deal_lines)),
            "purchase_intent": rng.choice(("medium", "high")),
        },
    )


def _history_times(ctx: DemoContext, events: list, created, last) -> list[datetime.datetime]:
    """A time per history entry: those written on arrival (inquiry, assignment) minutes after
    `created`, the later ones (contacts, status changes, the outcome) spread up to `last`."""
    early = 0
    for event in events[1:]:
        if event.kind not in ("inquiry", "assigned"):
            break
        early += 1
    times = [created + datetime.timedelta(minutes=2 * k) for k in range(early + 1)]
    later = len(events) - len(times)
    if later:
        start = times[-1]
        points = [*sorted(ctx.rng.uniform(0.1, 0.9) for _ in range(later - 1)), 1.0]
        times += [start + (last - start) * p for p in points]
    return times


def _backdate_lead(ctx: DemoContext, lead: Lead, created, last) -> None:
    """Spread the lead's history from `created` to `last`; the customer's copy moves with it,
    and so do the lead's follow-up task and the customer a conversion created."""
    events = list(LeadEvent.objects.filter(lead=lead).order_by("pk"))
    times = _history_times(ctx, events, created, last)
    for event, when in zip(events, times, strict=True):
        event.occurred_at = when
    LeadEvent.objects.bulk_update(events, ["occurred_at"])
    contacts = [e.occurred_at for e in events if e.kind == "contact"]
    Lead.objects.filter(pk=lead.pk).update(
        created_at=created,
        updated_at=times[-1],
        last_contacted_at=max(contacts) if contacts else None,
        converted_at=times[-1] if lead.status == LeadStatus.CONVERTED else None,
    )
    entries = list(
        TimelineEntry.objects.filter(source_type="lead", source_id=lead.pk).order_by("pk")
    )
    for entry, when in zip(entries, times, strict=False):
        entry.occurred_at = when
    TimelineEntry.objects.bulk_update(entries, ["occurred_at"])
    if lead.status == LeadStatus.CONVERTED:
        for model, pk in ((Person, lead.converted_person_id), (Company, lead.converted_company_id)):
            if pk is not None and model.objects.filter(pk=pk, created_at__gt=times[-1]).exists():
                move_created(model, pk, times[-1])
    lead_type = ContentType.objects.get_for_model(Lead)
    for task in Task.objects.filter(subject_type=lead_type, subject_id=lead.pk):
        due = created + (task.due_at - task.created_at) if task.due_at else None
        changes = {"created_at": created, "due_at": due, "remind_at": due}
        if due is not None and due < ctx.now:
            # It went out back then: the reminder job must not send a burst of old reminders.
            changes["reminder_sent_at"] = due
        if task.status == TaskStatus.OPEN and lead.status in WORKED_STATUSES:
            task_services.task_complete(actor=task.assignee, task=task)
            done = min(contacts) if contacts else times[-1]
            changes["completed_at"] = done
            TimelineEntry.objects.filter(source_type="task", source_id=task.pk).update(
                occurred_at=done
            )
        Task.objects.filter(pk=task.pk).update(**changes)


def load_leads(ctx: DemoContext, form) -> list[tuple[Lead, datetime.datetime]]:
    """The demo leads; returns the converted ones with the time they were converted."""
    rng = ctx.rng
    fates = [status for status, count in LEAD_FATES for _ in range(count)]
    rng.shuffle(fates)
    converted = []
    for i, status in enumerate(fates[:DEMO_LEADS]):
        lead = _capture(ctx, i, form)
        created, last = _lead_times(ctx, status)
        lines = order_lines(ctx, company=bool(lead.company_name))
        lead = _work_lead(ctx, lead, status, lines)
        lead.refresh_from_db()
        _backdate_lead(ctx, lead, created, last)
        if lead.status == LeadStatus.CONVERTED:
            converted.append((lead, last))
    # Scores depend on time ("new this week", "no contact for 14 days"): recompute after moving.
    for lead in Lead.objects.all():
        lead_score_recompute(lead, now=ctx.now)
    return converted
