"""The demo's customer service: a service team, its agents' profiles, categories, canned replies
and assignment rules, a help centre (the labelled knowledge base of tests/data/knowledge, some
articles internal), tickets of every type and channel with their conversations, and CSAT and
NPS answers spread over the past months, so that the queues, the ticket pages and the surveys'
reports open with something to show.

Everything goes through the services (announcements, timeline entries, the CSAT invitations and
their e-mails in the outbox, detractor tasks). As in the rest of the demo only the times are
moved afterwards: each ticket's messages, status times and timeline entries are put back to the
moment its scripted history says, spread over the same months as the orders.
"""

import datetime
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType

from rapport.accounts.models import Role, Team, User
from rapport.accounts.services import team_create, user_create
from rapport.activities.models import Task, TimelineEntry
from rapport.customers.models import Person, Tag
from rapport.knowledge import services as knowledge
from rapport.service.models import (
    RootCause,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from rapport.service.services.assignment import agent_profile_set, assignment_rule_create
from rapport.service.services.configuration import canned_reply_create, category_create
from rapport.service.services.conversation import ticket_note, ticket_reply
from rapport.service.services.inbound import ticket_customer_message
from rapport.service.services.sla import sla_backfill, sla_check
from rapport.service.services.sla_settings import sla_policy_create
from rapport.service.services.tickets import (
    COMPLAINT_FOLLOW_UP,
    ticket_change_status,
    ticket_create,
)
from rapport.surveys.models import CONFIRM_NO, CONFIRM_YES, Invitation, Response, SurveyKind
from rapport.surveys.services import (
    DETRACTOR_CALL_WITHIN,
    nps_round_run,
    response_submit,
    survey_create,
)

KNOWLEDGE_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "knowledge"
SERVICE_TEAM = "客户服务部"
# (username, first name, last name, language, skills, languages spoken)
SERVICE_AGENTS = (
    ("xu.lei", "磊", "徐", "zh-hans", ["退换货", "配送"], ["zh-hans"]),
    ("he.yun", "云", "何", "zh-hans", ["维修", "发票"], ["zh-hans"]),
    ("sarah.jones", "Sarah", "Jones", "en", ["billing", "repair"], ["en", "zh-hans"]),
)
# Tickets per agent of the service team, and per sales team (its reps answer their customers).
TICKETS_PER_AGENT = 24
TICKETS_PER_SALES_TEAM = 8
# Every fourth article is for the agents only: how the help centre's public and internal
# articles look side by side.
INTERNAL_EVERY = 4
NPS_ROUNDS = 6
NPS_EVERY_DAYS = 30

CATEGORIES = (
    ("订单与配送", ("物流延误", "地址修改")),
    ("退换货", ("退货退款", "换货")),
    ("产品与维修", ("使用问题", "保修维修")),
    ("账户与发票", ("发票", "会员积分")),
)
CATEGORY_OF_TYPE = {
    TicketType.QUESTION: "使用问题",
    TicketType.INCIDENT: "物流延误",
    TicketType.REQUEST: "发票",
    TicketType.COMPLAINT: "物流延误",
    TicketType.REPAIR: "保修维修",
    TicketType.RETURN_EXCHANGE: "退货退款",
}

CANNED_REPLIES = (
    (
        "致谢并跟进",
        "{{ person.name }}，您好！\n\n感谢您的耐心等待，我们已经在处理您的问题，"
        "会在 24 小时内回复您处理结果。",
    ),
    (
        "Thanks, on it",
        "Dear {{ person.name }},\n\nthank you for your patience: we are on it and will "
        "come back to you with the outcome within 24 hours.",
    ),
    (
        "退货流程",
        "{{ person.name }}，您好！\n\n请在“我的订单”中点击“申请退货”，"
        "填写原因并上传照片，审核通过后快递员会上门取件。",
    ),
)

# Per type: (subject, customer's first message, agent's reply, internal note, resolution)
# in Chinese, then in English.
SCRIPTS = {
    TicketType.QUESTION: (
        (
            "空气炸锅的定时怎么设置？",
            "您好，新买的空气炸锅不知道怎么设置定时，说明书找不到了。",
            "您好！长按“时间”键三秒进入设置，再用加减键调整即可。帮助中心也有图文说明。",
            "已发帮助中心文章链接。",
            "已告知设置方法。",
        ),
        (
            "How do I set the air fryer's timer?",
            "Hello, I cannot find how to set the timer on my new air fryer.",
            "Hold the Time button for three seconds, then use + and - to set it.",
            "Sent the help-centre article.",
            "Explained the timer.",
        ),
    ),
    TicketType.INCIDENT: (
        (
            "订单显示已签收但没收到货",
            "物流显示昨天已签收，但我家里没人收到包裹，请帮忙查一下。",
            "非常抱歉！我们已联系快递公司核实，会在今天内给您答复。",
            "快递员说放在了驿站，已让其重新派送。",
            "包裹已重新派送并签收。",
        ),
        (
            "Order marked delivered but not received",
            "The tracking says the parcel was delivered yesterday, but nobody here got it.",
            "We are sorry: we have asked the courier and will tell you today.",
            "Courier left it at the pick-up point; redelivery booked.",
            "Parcel redelivered.",
        ),
    ),
    TicketType.REQUEST: (
        (
            "申请开具增值税专用发票",
            "请帮我们公司开具增值税专用发票，开票信息见附件说明。",
            "您好，专票将在三个工作日内开出并寄送到您的地址。",
            "财务已确认开票信息。",
            "发票已寄出。",
        ),
        (
            "Please send a VAT invoice",
            "Could you issue a VAT invoice for our company's last order?",
            "The invoice will be issued within three working days and mailed to you.",
            "Finance checked the details.",
            "Invoice mailed.",
        ),
    ),
    TicketType.COMPLAINT: (
        (
            "配送太慢，对服务很不满意",
            "下单一周了还没发货，客服电话也打不通，非常失望。",
            "非常抱歉给您带来不好的体验，我们已加急发货，并为您补偿一张优惠券。",
            "仓库缺货导致延误，已安排优先发货。",
            "加急发货并补偿优惠券，客户已接受。",
        ),
        (
            "Delivery far too slow",
            "I ordered a week ago, nothing has shipped and nobody answers the phone.",
            "We are very sorry: your order ships today by express, and a voucher is on its way.",
            "Out of stock at the warehouse; shipped first from the next delivery.",
            "Express shipping and a voucher; the customer accepted.",
        ),
    ),
    TicketType.REPAIR: (
        (
            "电饭煲无法加热，申请保修",
            "电饭煲用了半年，现在按下煮饭键没有反应，还在保修期内。",
            "您好，已为您登记保修，维修师傅会在两天内联系您上门取件。",
            "疑似温控器故障，已通知售后网点。",
            "更换温控器后恢复正常。",
        ),
        (
            "Rice cooker no longer heats",
            "My rice cooker is six months old and no longer heats: it is under warranty.",
            "Your warranty repair is booked: the technician will call you within two days.",
            "Probably the thermostat; service centre informed.",
            "Thermostat replaced, working again.",
        ),
    ),
    TicketType.RETURN_EXCHANGE: (
        (
            "收到的电水壶有划痕，要求换货",
            "今天收到的电水壶外壳有明显划痕，我要换一个新的。",
            "非常抱歉！已为您安排换货，新品发出后快递员会上门取回旧件。",
            "外包装破损，可能是运输造成。",
            "已换新。",
        ),
        (
            "Kettle arrived scratched: exchange please",
            "The kettle I received today has a deep scratch on its side; please exchange it.",
            "We are sorry: a new kettle is on its way and the courier will collect the old one.",
            "Box damaged in transit.",
            "Exchanged.",
        ),
    ),
}
FOLLOW_UP = ("还是不行，问题又出现了。", "It happened again, I am afraid.")
ROOT_CAUSES = (RootCause.DELIVERY, RootCause.SLOW_RESPONSE, RootCause.PRODUCT_DEFECT)
CSAT_COMMENTS = {
    "good": ("处理很及时，谢谢！", "Quick and helpful, thank you!"),
    "bad": ("等了太久才有人回复。", "It took far too long to get an answer."),
}
NPS_COMMENTS = {
    "promoter": ("产品好用，会推荐给朋友。", "Good products, I recommend you to friends."),
    "detractor": ("售后太慢了。", "After-sales service is too slow."),
}


@dataclass
class ServiceDemoResult:
    articles: int = 0
    tickets: int = 0
    csat_answers: int = 0
    nps_answers: int = 0
    sla_targets: int = 0
    usernames: list[str] = field(default_factory=list)


def _agents(users: list[User]) -> tuple[Team, list[User]]:
    """The service team: the demo's service agent and three more (one speaks English first),
    sharing the demo users' password."""
    team = Team.objects.filter(name=SERVICE_TEAM).first() or team_create(name=SERVICE_TEAM)
    first = next(u for u in users if u.role == Role.SERVICE_AGENT)
    agents = [first]
    for username, given, family, language, _skills, _spoken in SERVICE_AGENTS:
        agent = User.objects.filter(username=username).first() or user_create(
            username=username,
            password=None,
            role=Role.SERVICE_AGENT,
            team=team,
            first_name=given,
            last_name=family,
            email=f"{username}@rapport.example",
            language=language,
        )
        agents.append(agent)
    # The shared password's hash is copied rather than computed again (Argon2 costs a second),
    # and the demo's first service agent joins the team (accounts has no service for moving a
    # user; the demo already sets passwords this way).
    User.objects.filter(pk__in=[a.pk for a in agents]).update(password=first.password, team=team)
    agents = list(User.objects.filter(pk__in=[a.pk for a in agents]).order_by("pk"))
    return team, agents


def _configuration(admin: User, team: Team, agents: list[User]) -> dict[str, int]:
    categories: dict[str, int] = {}
    for position, (name, children) in enumerate(CATEGORIES):
        parent = category_create(actor=admin, data={"name": name, "position": position})
        for child_position, child in enumerate(children):
            categories[child] = category_create(
                actor=admin,
                data={"name": child, "parent_id": parent.pk, "position": child_position},
            ).pk
    for name, body in CANNED_REPLIES:
        canned_reply_create(actor=admin, data={"name": name, "body": body, "team_id": team.pk})
    profiles = {agents[0].pk: (["投诉", "退换货"], ["zh-hans"])}
    for username, *_names, skills, spoken in SERVICE_AGENTS:
        profiles[next(a.pk for a in agents if a.username == username)] = (skills, spoken)
    for agent in agents:
        skills, spoken = profiles[agent.pk]
        agent_profile_set(actor=admin, user=agent, data={"skills": skills, "languages": spoken})
    # English mail to the agents who speak it; repairs by skills; the rest in turn.
    assignment_rule_create(
        actor=admin,
        data={
            "name": "English",
            "position": 0,
            "language": "en",
            "team_id": team.pk,
            "method": "skills",
        },
    )
    assignment_rule_create(
        actor=admin,
        data={
            "name": "维修",
            "position": 1,
            "type": TicketType.REPAIR,
            "team_id": team.pk,
            "method": "skills",
        },
    )
    assignment_rule_create(
        actor=admin,
        data={"name": "其他工单", "position": 2, "team_id": team.pk, "method": "round_robin"},
    )
    return categories


def _articles(admin: User, rng: random.Random) -> int:
    """The labelled help centre (the knowledge app's tests measure its search on it), in both
    languages; every INTERNAL_EVERY-th article is internal and a few stay drafts."""
    data = json.loads((KNOWLEDGE_DATA / "articles.json").read_text(encoding="utf-8"))
    categories = {
        row["slug"]: knowledge.category_create(
            actor=admin, data={"slug": row["slug"], "name_zh": row["zh"], "name_en": row["en"]}
        )
        for row in data["categories"]
    }
    for i, row in enumerate(data["articles"]):
        knowledge.article_create(
            actor=admin,
            data={
                "category_id": categories[row["category"]].pk,
                "status": "draft" if i % 17 == 16 else "published",
                "visibility": "internal" if i % INTERNAL_EVERY == INTERNAL_EVERY - 1 else "public",
                "translations": {
                    "zh-hans": {"title": row["zh"]["title"], "body_html": row["zh"]["body"]},
                    "en": {"title": row["en"]["title"], "body_html": row["en"]["body"]},
                },
            },
        )
    return len(data["articles"])


@dataclass
class _Plan:
    """When each step of one ticket's history happened, filled in as the steps are taken."""

    created: datetime.datetime
    message_times: list
    timeline_times: dict
    resolved: datetime.datetime | None = None
    closed: datetime.datetime | None = None
    first_response: datetime.datetime | None = None
    last_customer: datetime.datetime | None = None

    def mark(self, when, *, message: bool = True, timeline: str = "") -> None:
        if message:
            self.message_times.append(when)
        if timeline:
            self.timeline_times.setdefault(timeline, []).append(when)


def _backdate(ticket: Ticket, plan: _Plan) -> None:
    messages = list(ticket.messages.order_by("pk").values_list("pk", flat=True))
    for pk, when in zip(messages, plan.message_times, strict=False):
        TicketMessage.objects.filter(pk=pk).update(created_at=when)
    last = max(
        [
            plan.created,
            *plan.message_times,
            plan.resolved or plan.created,
            plan.closed or plan.created,
        ]
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=plan.created,
        updated_at=last,
        first_responded_at=plan.first_response,
        last_customer_message_at=plan.last_customer,
        resolved_at=plan.resolved,
        closed_at=plan.closed,
    )
    entries = TimelineEntry.objects.filter(source_type="ticket", source_id=ticket.pk)
    for entry in entries.order_by("pk"):
        times = plan.timeline_times.get(entry.kind) or [last]
        when = times.pop(0) if len(times) > 1 else times[0]
        TimelineEntry.objects.filter(pk=entry.pk).update(occurred_at=when)


def _ticket(rng, now, *, ticket_type, channel, team, assignee, person, categories, index):
    """One ticket and its conversation, up to the status its age makes likely."""
    english = bool(person.given_name)
    subject, first, reply, note, resolution = SCRIPTS[ticket_type][1 if english else 0]
    # One in fifteen arrived in the last hours and waits for its first answer.
    waiting = index % 15 == 7
    age_days = rng.uniform(0.05, 0.9) if waiting else rng.uniform(0.2, 180)
    created = now - datetime.timedelta(days=age_days)
    plan = _Plan(created=created, message_times=[], timeline_times={})
    ticket = ticket_create(
        actor=None,
        channel=channel,
        auto_assign=False,
        data={
            "subject": subject,
            "body": first,
            "type": ticket_type,
            "priority": rng.choice(("low", "normal", "normal", "normal", "high", "urgent")),
            "category_id": categories[CATEGORY_OF_TYPE[ticket_type]],
            "person_id": person.pk,
            "team_id": team.pk,
            "assignee_id": assignee.pk,
            "language": "en" if english else "zh-hans",
        },
    )
    plan.mark(created, timeline="ticket.created")
    plan.last_customer = created
    if waiting:
        _backdate(ticket, plan)
        return ticket, plan
    when = created + datetime.timedelta(minutes=rng.randrange(10, 8 * 60))
    ticket_note(actor=assignee, ticket=ticket, body=note)
    plan.mark(when)
    when += datetime.timedelta(minutes=rng.randrange(5, 120))
    ticket_reply(actor=assignee, ticket=ticket, body=reply)
    plan.mark(when, timeline="ticket.reply")
    plan.first_response = when
    # Young tickets stay open or wait for the customer; older ones are resolved, most
    # complaints closed with their cause.
    if age_days < 4 or index % 9 == 0:
        if index % 3 == 0:
            ticket_change_status(
                actor=assignee, ticket=ticket, status=TicketStatus.WAITING_CUSTOMER
            )
        elif index % 3 == 1:
            ticket_change_status(actor=assignee, ticket=ticket, status=TicketStatus.ON_HOLD)
        _backdate(ticket, plan)
        return ticket, plan
    when += datetime.timedelta(hours=rng.uniform(1, 72))
    if ticket_type == TicketType.COMPLAINT:
        ticket_change_status(
            actor=assignee,
            ticket=ticket,
            status=TicketStatus.CLOSED,
            root_cause=ROOT_CAUSES[index % len(ROOT_CAUSES)],
            resolution=resolution,
        )
        plan.closed = plan.resolved = when
        plan.mark(when, message=False, timeline="ticket.closed")
    else:
        ticket_change_status(
            actor=assignee, ticket=ticket, status=TicketStatus.RESOLVED, resolution=resolution
        )
        plan.resolved = when
        plan.mark(when, message=False, timeline="ticket.resolved")
        # A few customers write again: the ticket is reopened and stays with its agent.
        if index % 11 == 5:
            when += datetime.timedelta(hours=rng.uniform(2, 48))
            ticket, _message = ticket_customer_message(
                ticket=ticket,
                body=FOLLOW_UP[1 if english else 0],
                person=person,
                channel=channel
                if channel in (TicketChannel.EMAIL, TicketChannel.CHAT)
                else TicketChannel.EMAIL,
            )
            plan.mark(when, timeline="ticket.customer_message")
            plan.timeline_times.setdefault("ticket.reopened", []).append(when)
            plan.last_customer = when
            plan.resolved = None
    _backdate(ticket, plan)
    return ticket, plan


def _tickets(rng, now, *, team, agents, teams, users, persons, categories):
    types = list(TicketType.values)
    channels = list(TicketChannel.values)
    queues = [(team, agent, TICKETS_PER_AGENT) for agent in agents]
    for sales_team in teams:
        members = [u for u in users if u.team_id == sales_team.pk and u.role == Role.SALES_REP]
        queues += [(sales_team, m, TICKETS_PER_SALES_TEAM // len(members)) for m in members]
    made = []
    index = 0
    for queue_team, agent, count in queues:
        own = [p for p in persons if p.owner_id == agent.pk] if queue_team is not team else []
        for _ in range(count):
            person = rng.choice(own or persons)
            made.append(
                _ticket(
                    rng,
                    now,
                    ticket_type=types[index % len(types)],
                    channel=channels[(index // len(types)) % len(channels)],
                    team=queue_team,
                    assignee=agent,
                    person=person,
                    categories=categories,
                    index=index,
                )
            )
            index += 1
    return made


def _csat(rng, made) -> int:
    """The surveys app asks about each resolved ticket as its status changes (the CSAT survey
    exists before the tickets); about two in three customers answer within days, most of them
    happy. The invitation is moved to the resolution's time like the ticket."""
    answers = 0
    for ticket, plan in made:
        resolved = plan.closed or plan.resolved
        if resolved is None:
            continue
        # A closed complaint is asked for its confirmation (yes/no) instead of a CSAT score.
        invitation = Invitation.objects.filter(ticket=ticket).order_by("id").first()
        if invitation is None:
            continue
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).update(sent_at=resolved)
        Invitation.objects.filter(pk=invitation.pk).update(created_at=resolved)
        if rng.random() < 0.33:
            continue
        if invitation.kind == SurveyKind.CONFIRM:
            score = CONFIRM_YES if rng.random() < 0.8 else CONFIRM_NO
        else:
            score = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 10, 8, 7))[0]
        english = ticket.language == "en"
        comment = ""
        if rng.random() < 0.5:
            happy = score == CONFIRM_YES if invitation.kind == SurveyKind.CONFIRM else score >= 4
            comment = CSAT_COMMENTS["good" if happy else "bad"][english]
        response_submit(
            invitation=invitation,
            score=score,
            comment=comment,
            now=resolved + datetime.timedelta(hours=rng.uniform(1, 72)),
        )
        answers += 1
    return answers


def _nps(rng, admin, now, persons) -> int:
    """An NPS survey of the "老客户" (long-standing customers) tag, a round a month; the share of
    promoters grows over the months, so its trend has a direction."""
    tag = Tag.objects.filter(name="老客户").first()
    if tag is None:
        return 0
    start = now - datetime.timedelta(days=NPS_EVERY_DAYS * NPS_ROUNDS)
    survey = survey_create(
        actor=admin,
        data={
            "kind": SurveyKind.NPS,
            "name": "净推荐值 / NPS",
            "audience_tag_id": tag.pk,
            "every_days": NPS_EVERY_DAYS,
            "next_run_at": start,
        },
    )
    answers = 0
    for round_index in range(NPS_ROUNDS):
        sent = start + datetime.timedelta(days=NPS_EVERY_DAYS * round_index, hours=1)
        current = nps_round_run(survey_id=survey.pk, now=sent)
        if current is None:
            continue
        invitations = list(Invitation.objects.filter(round=current).select_related("person"))
        Invitation.objects.filter(round=current).update(created_at=sent)
        promoters = 0.35 + 0.06 * round_index
        for invitation in invitations:
            if rng.random() < 0.4:
                continue
            draw = rng.random()
            if draw < promoters:
                score, comment = rng.choice((9, 10)), "promoter"
            elif draw < promoters + 0.35:
                score, comment = rng.choice((7, 8)), ""
            else:
                score, comment = rng.randrange(0, 7), "detractor"
            english = bool(invitation.person and invitation.person.given_name)
            response_submit(
                invitation=invitation,
                score=score,
                comment=NPS_COMMENTS[comment][english] if comment else "",
                now=sent + datetime.timedelta(days=rng.uniform(0.1, 10)),
            )
            answers += 1
    return answers


# Business minutes of the shipped office hours (09:00–12:00, 13:30–18:00 on China's workdays).
SLA_POLICIES = (
    ("紧急工单 / Urgent tickets", TicketPriority.URGENT, 30, 8 * 60),
    ("高优先级 / High priority", TicketPriority.HIGH, 60, 2 * 8 * 60),
    ("默认 / Default", "", 4 * 60, 5 * 8 * 60),
)


def _sla(admin: User, made, now: datetime.datetime) -> int:
    """Service levels by priority, applied to the past tickets as their times were (first
    response and resolution met or late), then the check once, which warns and escalates the
    open ones that are due, so the SLA report and the dashboard have a history."""
    for position, (name, priority, first, resolution) in enumerate(SLA_POLICIES):
        sla_policy_create(
            actor=admin,
            data={
                "name": name,
                "position": position,
                "priority": priority,
                "first_response_minutes": first,
                "resolution_minutes": resolution,
            },
        )
    targets = 0
    for ticket, _plan in made:
        ticket.refresh_from_db()
        targets += len(sla_backfill(ticket, now=now))
    sla_check(now)
    return targets


def _move_task(tasks, created: datetime.datetime, within: datetime.timedelta) -> None:
    due = created + within
    tasks.update(created_at=created, due_at=due, remind_at=due, reminder_sent_at=due)


def service_demo_load(
    *,
    rng: random.Random,
    now: datetime.datetime,
    admin: User,
    users: list[User],
    teams: list[Team],
    persons: list[Person],
) -> ServiceDemoResult:
    team, agents = _agents(users)
    categories = _configuration(admin, team, agents)
    articles = _articles(admin, rng)
    survey_create(actor=admin, data={"kind": SurveyKind.CSAT, "name": "客户满意度 / CSAT"})
    made = _tickets(
        rng,
        now,
        team=team,
        agents=agents,
        teams=teams,
        users=users,
        persons=persons,
        categories=categories,
    )
    csat = _csat(rng, made)
    nps = _nps(rng, admin, now, persons)
    sla_targets = _sla(admin, made, now)
    # The call-backs (complaints closed, unhappy answers) were due the day after, months ago,
    # and their reminders went out then, not tomorrow.
    ticket_type = ContentType.objects.get_for_model(Ticket)
    for ticket, plan in made:
        if ticket.type == TicketType.COMPLAINT and plan.closed is not None:
            _move_task(
                Task.objects.filter(subject_type=ticket_type, subject_id=ticket.pk),
                plan.closed,
                COMPLAINT_FOLLOW_UP,
            )
    for answered_at, task_id in Response.objects.filter(detractor_task__isnull=False).values_list(
        "answered_at", "detractor_task_id"
    ):
        _move_task(Task.objects.filter(pk=task_id), answered_at, DETRACTOR_CALL_WITHIN)
    return ServiceDemoResult(
        articles=articles,
        tickets=len(made),
        csat_answers=csat,
        nps_answers=nps,
        sla_targets=sla_targets,
        usernames=[a.username for a in agents if a.username not in {u.username for u in users}],
    )
