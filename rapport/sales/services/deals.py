"""Writes to deals, pipelines, stages and lost reasons.

Rules the services enforce:

- every service validates the whole input first and raises `ValidationFailed` with a message per
  field, so nothing is half-saved;
- money is `Decimal` all the way: amounts arrive as strings, ints or Decimals (a float is read
  through its `str`, never used in arithmetic), must be ≥ 0 and have at most two decimals
  (`DEAL_MONEY`);
- a deal's person, company and lead must be visible to the actor (`NotFound` otherwise, as if
  they did not exist); its owner is one `assignable_owners` allows (the one ownership rule, in
  `rapport.accounts.access`). The deal's team is its owner's;
- a deal moves only between stages of its own pipeline; moving it to the won or lost stage wins
  or loses it (a loss needs a lost reason); a closed (won or lost) deal does not move until it is
  reopened (`DealClosed`, 409);
- every move writes a `DealStageChange` (who, when, seconds spent in the stage it left), resets
  the time in stage and the stale-deal task marker, and adds a timeline entry to the deal's
  person and company;
- updates take the version the editor loaded; a stale one raises `Conflict` (409);
- pipelines, stages and lost reasons are settings: only administrators change them, and a
  pipeline, stage or lost reason that deals use cannot be deleted (`InUse`, 409).

Priority is derived, not typed: purchase intent, budget and urgency each score low 0, medium 1,
high 2; a total of 5 or 6 is high priority, 0 or 1 low, anything else medium (e.g. high intent
and budget with medium urgency is high; all medium is medium).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from rapport.accounts.access import clean_owner, require_settings_manager, visible_records_q
from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.activities.services import record_activity_delete, timeline_add
from rapport.activities.task_services import task_create_follow_up
from rapport.core.cleaning import (
    DATE_FORMATS,
    FieldErrors,
    MoneyRules,
    clean_choice,
    clean_currency,
    clean_date,
    clean_flag,
    clean_int,
    clean_money,
    clean_text,
    invalid,
    parse_int,
    reject_unknown,
)
from rapport.core.errors import ApplicationError, NotFound, check_version
from rapport.core.events import publish
from rapport.core.records import record_changed
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.events import DealWon
from rapport.sales.models import (
    Deal,
    DealLine,
    DealStageChange,
    DealStatus,
    Lead,
    LostReason,
    Pipeline,
    Priority,
    Product,
    Stage,
    StageKind,
    StageStay,
)
from rapport.sales.services.orders.cleaning import clean_percent, percent_of

DEAL_FIELDS = (
    "title",
    "pipeline_id",
    "stage_id",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "purchase_intent",
    "budget_status",
    "urgency",
    "person_id",
    "company_id",
    "lead_id",
    "owner_id",
    "notes",
    "lines",
)
# Changing the stage is a move (with its history and rules), not an edit.
DEAL_UPDATE_FIELDS = tuple(f for f in DEAL_FIELDS if f not in ("pipeline_id", "stage_id"))
LINE_FIELDS = ("product_id", "quantity", "unit_price", "discount", "discount_percent")
MAX_LINES = 100
# How deals read amounts: a float through its `str`, and in the words deal screens always used.
DEAL_MONEY = MoneyRules(
    floats=True,
    boolean=gettext_lazy("Enter an amount."),
    invalid=gettext_lazy("Enter an amount, e.g. 12800.00."),
    too_large=gettext_lazy("The amount is too large."),
)
PRIORITY_POINTS = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}
CLOSED_KINDS = (StageKind.WON, StageKind.LOST)


class DealClosed(ApplicationError):
    """A won or lost deal was asked to move; reopen it first."""

    status = 409

    def __init__(self, message: str):
        super().__init__("deal_closed", message)


class InUse(ApplicationError):
    """A pipeline, stage or lost reason that deals use cannot be deleted."""

    status = 409

    def __init__(self, message: str):
        super().__init__("in_use", message)


def derive_priority(purchase_intent: str, budget_status: str, urgency: str) -> str:
    """See the module docstring: the sum of three low/medium/high scores."""
    total = sum(PRIORITY_POINTS[Priority(v)] for v in (purchase_intent, budget_status, urgency))
    if total >= 5:
        return Priority.HIGH
    if total <= 1:
        return Priority.LOW
    return Priority.MEDIUM


# --- Pipelines: the default one ------------------------------------------------------------------


def default_stage_specs() -> list[dict]:
    # Stage names are data: they are stored in the language active when the pipeline is created
    # (an administrator renames them like any other setting).
    return [
        {"name": _("Qualification"), "probability": 10, "kind": StageKind.OPEN},
        {"name": _("Needs analysis"), "probability": 25, "kind": StageKind.OPEN},
        {"name": _("Proposal"), "probability": 50, "kind": StageKind.OPEN},
        {"name": _("Negotiation"), "probability": 75, "kind": StageKind.OPEN},
        {"name": pgettext("deal status", "Won"), "probability": 100, "kind": StageKind.WON},
        {"name": pgettext("deal status", "Lost"), "probability": 0, "kind": StageKind.LOST},
    ]


@transaction.atomic
def pipeline_get_default() -> Pipeline:
    """The default pipeline; the first active one if none is marked; else a new "Sales" pipeline
    with the stages of `default_stage_specs()` (named in the language active now)."""
    pipeline = (
        Pipeline.objects.filter(is_active=True).order_by("-is_default", "position", "id").first()
    )
    if pipeline is not None:
        return pipeline
    pipeline = Pipeline.objects.create(name=_("Sales"), is_default=True)
    _create_stages(pipeline, default_stage_specs())
    return pipeline


def _create_stages(pipeline: Pipeline, specs: list[dict]) -> list[Stage]:
    return Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=spec["name"],
            probability=spec["probability"],
            kind=spec["kind"],
            stale_after_days=spec.get("stale_after_days"),
            position=i,
        )
        for i, spec in enumerate(specs)
    )


def first_open_stage(pipeline: Pipeline) -> Stage | None:
    return pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()


def closing_stage(pipeline: Pipeline, kind: str) -> Stage | None:
    return pipeline.stages.filter(kind=kind).order_by("position", "id").first()


# --- Deals: cleaning ----------------------------------------------------------------------------


def _clean_owner(actor: User, data: dict, errors: FieldErrors, current: Deal | None) -> User | None:
    if data.get("owner_id") is None:
        return current.owner if current is not None else actor
    return clean_owner(actor, data["owner_id"], errors)


def _clean_lines(data: dict, errors: FieldErrors) -> list[dict] | None:
    if "lines" not in data:
        return None
    raw = data["lines"] or []
    if not isinstance(raw, list | tuple) or not all(isinstance(item, dict) for item in raw):
        errors.add("lines", _("Give a list of objects."))
        return None
    if len(raw) > MAX_LINES:
        errors.add("lines", _("At most %(limit)d products.") % {"limit": MAX_LINES})
        return None
    ids = {parse_int(item.get("product_id")) for item in raw} - {None}
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids, is_active=True)}
    cleaned = []
    for i, item in enumerate(raw):
        prefix = f"lines.{i}"
        reject_unknown(item, LINE_FIELDS, errors, prefix=f"{prefix}.")
        product = products.get(parse_int(item.get("product_id")))
        if product is None:
            errors.add(f"{prefix}.product_id", _("There is no such product."))
            continue
        quantity = clean_int(
            item.get("quantity", 1),
            f"{prefix}.quantity",
            errors,
            min_value=1,
            max_value=1_000_000,
            message=_("Enter a whole number greater than 0."),
        )
        if quantity is None:
            continue
        price, discount, percent = product.unit_price, Decimal("0"), None
        if item.get("unit_price") not in (None, ""):
            price = clean_money(
                item["unit_price"], f"{prefix}.unit_price", errors, rules=DEAL_MONEY
            )
            if price is None:
                continue
        # An amount or a percentage, not both; a percentage becomes the amount here, once, by
        # the rule orders use (docs/decisions.md, "Discounts"), and is stored beside it.
        if _given(item.get("discount")) and _given(item.get("discount_percent")):
            errors.add(
                f"{prefix}.discount_percent",
                _("Give the discount as an amount or as a percentage, not both."),
            )
            continue
        if _given(item.get("discount")):
            discount = clean_money(item["discount"], f"{prefix}.discount", errors, rules=DEAL_MONEY)
            if discount is None:
                continue
        elif _given(item.get("discount_percent")):
            percent = clean_percent(item["discount_percent"], f"{prefix}.discount_percent", errors)
            if percent is None:
                continue
            discount = percent_of(price * quantity, percent)
        if discount > price * quantity:
            errors.add(f"{prefix}.discount", _("The discount cannot exceed the line's price."))
            continue
        cleaned.append(
            {
                "product": product,
                "quantity": quantity,
                "unit_price": price,
                "discount": discount,
                "discount_percent": percent,
            }
        )
    return cleaned


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def lines_total(lines: list[dict]) -> Decimal:
    return sum((ln["unit_price"] * ln["quantity"] - ln["discount"] for ln in lines), Decimal("0"))


def _clean_deal(actor: User, data: dict, *, instance: Deal | None) -> dict:
    """Validate `data` for a new deal (instance None) or the keys present for an update."""
    errors = FieldErrors()
    allowed = DEAL_FIELDS if instance is None else DEAL_UPDATE_FIELDS
    for key in data:
        if key not in allowed:
            if key in ("pipeline_id", "stage_id"):
                errors.add(key, _("Move the deal to change its stage."))
            else:
                errors.add(key, _("Unknown field."))
    columns: dict[str, Any] = {}
    if instance is None or "title" in data:
        columns["title"] = clean_text(data.get("title"), "title", errors, limit=200, required=True)
    if "notes" in data:
        columns["notes"] = clean_text(data["notes"], "notes", errors, limit=20000)

    pipeline = stage = None
    if instance is None:
        pipeline, stage = _clean_pipeline_and_stage(data, errors)

    if data.get("amount") not in (None, ""):
        columns["amount"] = clean_money(data["amount"], "amount", errors, rules=DEAL_MONEY)
    elif "amount" in data and instance is not None:
        columns["amount"] = Decimal("0")
    if data.get("currency") not in (None, ""):
        columns["currency"] = clean_currency(data["currency"], "currency", errors)
    if "expected_close_date" in data:
        columns["expected_close_date"] = clean_date(
            data["expected_close_date"], "expected_close_date", errors, formats=DATE_FORMATS
        )
    if data.get("probability") not in (None, ""):
        columns["probability"] = clean_int(
            data["probability"],
            "probability",
            errors,
            min_value=0,
            max_value=100,
            message=_("Enter a whole number from 0 to 100."),
        )
    for key in ("purchase_intent", "budget_status", "urgency"):
        if data.get(key) not in (None, ""):
            columns[key] = clean_choice(
                data[key], key, errors, choices=Priority.values, list_choices=True
            )

    owner = _clean_owner(actor, data, errors, instance)
    lines = _clean_lines(data, errors)
    errors.raise_if_any()

    # Visibility last: an id the actor may not see answers 404, as if it did not exist.
    related: dict[str, Any] = {}
    for key, getter in (("person_id", get_person_for_user), ("company_id", get_company_for_user)):
        if key in data:
            raw = data[key]
            if raw in (None, ""):
                related[key.removesuffix("_id")] = None
                continue
            record_id = parse_int(raw)
            if record_id is None:
                raise invalid(key, _("Enter a whole number."))
            related[key.removesuffix("_id")] = getter(actor, record_id)
    if "lead_id" in data:
        lead = None
        if data["lead_id"] not in (None, ""):
            lead_id = parse_int(data["lead_id"])
            lead = Lead.objects.filter(visible_records_q(actor), pk=lead_id).first()
            if lead is None:
                raise NotFound(_("Lead not found."))
        related["lead"] = lead
    return {
        "columns": columns,
        "pipeline": pipeline,
        "stage": stage,
        "owner": owner,
        "lines": lines,
        "related": related,
    }


def _clean_pipeline_and_stage(
    data: dict, errors: FieldErrors
) -> tuple[Pipeline | None, Stage | None]:
    if data.get("pipeline_id") in (None, ""):
        pipeline = pipeline_get_default()
    else:
        pipeline = Pipeline.objects.filter(
            pk=parse_int(data["pipeline_id"]), is_active=True
        ).first()
        if pipeline is None:
            errors.add("pipeline_id", _("There is no such pipeline."))
            return None, None
    if data.get("stage_id") in (None, ""):
        stage = first_open_stage(pipeline)
        if stage is None:
            errors.add("stage_id", _("This pipeline has no open stage."))
        return pipeline, stage
    stage = Stage.objects.filter(pk=parse_int(data["stage_id"])).first()
    if stage is None or stage.pipeline_id != pipeline.pk:
        errors.add("stage_id", _("Choose a stage of the deal's pipeline."))
        return pipeline, None
    if stage.kind != StageKind.OPEN:
        errors.add("stage_id", _("A new deal starts in an open stage."))
        return pipeline, None
    return pipeline, stage


def _save_lines(deal: Deal, lines: list[dict]) -> None:
    DealLine.objects.filter(deal=deal).delete()
    DealLine.objects.bulk_create(DealLine(deal=deal, **line) for line in lines)


# How `check_version` refuses an edit of a stale deal.
STALE_DEAL = gettext_lazy(
    "Someone else changed this deal while you were looking at it. Reload it to see "
    "their changes, then make yours again."
)


def _locked(deal: Deal) -> Deal:
    # Lock the deal's row only: moves of other deals in the same stage must not wait.
    return (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline")
        .get(pk=deal.pk)
    )


def _timeline(deal: Deal, *, kind: str, actor: User | None, when, data: dict) -> None:
    # About the deal (its page reads it) and on its customer's timelines, if it has one.
    timeline_add(
        kind=kind,
        title=deal.title,
        person_id=deal.person_id,
        company_id=deal.company_id,
        occurred_at=when,
        actor_id=actor.pk if actor else None,
        source_type="deal",
        source_id=deal.pk,
        data={"amount": str(deal.amount), "currency": deal.currency, **data},
        about=deal,
    )


# --- Deals: create, update, delete ---------------------------------------------------------------


@transaction.atomic
def deal_create(*, actor: User, data: dict) -> Deal:
    """Create a deal from `data` (keys of DEAL_FIELDS; only `title` is required).

    Defaults: the default pipeline (`pipeline_get_default`), its first open stage, the stage's
    probability, currency CNY, the actor as owner (team: the owner's), and, when `lines` are given
    without an `amount`, the lines' total. Records the first stage change (from no stage) and a
    "deal.created" entry on the person's and company's timeline.
    """
    cleaned = _clean_deal(actor, data, instance=None)
    columns, stage, owner = cleaned["columns"], cleaned["stage"], cleaned["owner"]
    if "amount" not in columns and cleaned["lines"]:
        columns["amount"] = lines_total(cleaned["lines"])
    if columns.get("probability") is None:
        columns["probability"] = stage.probability
    columns["priority"] = derive_priority(
        columns.get("purchase_intent", Priority.MEDIUM),
        columns.get("budget_status", Priority.MEDIUM),
        columns.get("urgency", Priority.MEDIUM),
    )
    now = timezone.now()
    deal = Deal.objects.create(
        **columns,
        **cleaned["related"],
        pipeline=cleaned["pipeline"],
        stage=stage,
        owner=owner,
        team_id=owner.team_id,
        stage_entered_at=now,
        furthest_position=stage.position if stage.kind == StageKind.OPEN else None,
    )
    if cleaned["lines"]:
        _save_lines(deal, cleaned["lines"])
    DealStageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_by=actor, changed_at=now
    )
    _timeline(deal, kind="deal.created", actor=actor, when=now, data={"stage": stage.name})
    record_changed("deal", deal.pk, "created", actor=actor)
    return deal


@transaction.atomic
def deal_update(*, actor: User, deal: Deal, data: dict, version: int | None = None) -> Deal:
    """Apply the keys present in `data` (DEAL_UPDATE_FIELDS); the stage changes by moving.

    `version` is the version the editor loaded; None skips the check.
    """
    deal = _locked(deal)
    check_version(deal, version, STALE_DEAL)
    cleaned = _clean_deal(actor, data, instance=deal)
    columns = cleaned["columns"]
    if cleaned["lines"] is not None and "amount" not in columns:
        columns["amount"] = lines_total(cleaned["lines"])
    changed = [f for f, v in columns.items() if getattr(deal, f) != v]
    changed += [
        f
        for f, v in cleaned["related"].items()
        if getattr(deal, f"{f}_id") != (v.pk if v is not None else None)
    ]
    for field, value in {**columns, **cleaned["related"]}.items():
        setattr(deal, field, value)
    if "owner_id" in data:
        if deal.owner_id != cleaned["owner"].pk:
            changed += ["owner", "team"]
        deal.owner = cleaned["owner"]
        deal.team_id = cleaned["owner"].team_id
    deal.priority = derive_priority(deal.purchase_intent, deal.budget_status, deal.urgency)
    deal.version += 1
    deal.save()
    if cleaned["lines"] is not None:
        _save_lines(deal, cleaned["lines"])
        changed.append("lines")
    record_changed("deal", deal.pk, "updated", changed_fields=changed, actor=actor)
    return deal


@transaction.atomic
def deal_delete(*, actor: User, deal: Deal) -> None:
    """Delete the deal with its lines and stage history; its timeline entries stay as history
    on its customer's timeline (those about the deal alone go with it)."""
    record_activity_delete(record=deal)
    # Tasks about the deal (the stale-deal follow-ups) would otherwise point at nothing.
    tasks = Task.objects.filter(
        subject_type=ContentType.objects.get_for_model(Deal), subject_id=deal.pk
    )
    task_ids = list(tasks.values_list("pk", flat=True))
    tasks.delete()
    for task_id in task_ids:
        record_changed("task", task_id, "deleted", actor=actor)
    Deal.objects.filter(pk=deal.pk).delete()
    record_changed("deal", deal.pk, "deleted", actor=actor)


# --- Deals: moving, winning, losing, reopening ----------------------------------------------------


def _furthest(deal: Deal, stage: Stage) -> int | None:
    if stage.kind != StageKind.OPEN:
        return deal.furthest_position
    return max(stage.position, deal.furthest_position or 0)


def _count_stay(deal: Deal, *, seconds: int, now: datetime.datetime) -> None:
    """Add a finished stay in the deal's current stage to the day's `StageStay` sums."""
    day = timezone.localdate(now)
    key = {
        "stage_id": deal.stage_id,
        "day": day,
        "owner_id": deal.owner_id,
        "team_id": deal.team_id,
    }
    counted = StageStay.objects.filter(**key).update(
        exits=F("exits") + 1, seconds=F("seconds") + seconds
    )
    if not counted:
        # Two first exits of the same day racing make two rows; the funnel sums them anyway.
        StageStay.objects.create(**key, exits=1, seconds=seconds)


def stage_stays_rebuild(*, pipeline: Pipeline | None = None) -> int:
    """Recompute the `StageStay` sums from the stage history (after a bulk load). Returns the
    number of rows written."""
    changes = DealStageChange.objects.filter(
        from_stage__isnull=False, seconds_in_previous_stage__isnull=False
    )
    stays = StageStay.objects.all()
    if pipeline is not None:
        changes = changes.filter(from_stage__pipeline=pipeline)
        stays = stays.filter(stage__pipeline=pipeline)
    rows = (
        changes.order_by()
        .annotate(day=TruncDate("changed_at"))
        .values("from_stage_id", "day", "deal__owner_id", "deal__team_id")
        .annotate(exits=Count("id"), seconds=Sum("seconds_in_previous_stage"))
    )
    with transaction.atomic():
        stays.delete()
        created = StageStay.objects.bulk_create(
            (
                StageStay(
                    stage_id=row["from_stage_id"],
                    day=row["day"],
                    owner_id=row["deal__owner_id"],
                    team_id=row["deal__team_id"],
                    exits=row["exits"],
                    seconds=row["seconds"],
                )
                for row in rows.iterator(chunk_size=5000)
            ),
            batch_size=5000,
        )
    return len(created)


def deals_recompute_furthest(*, pipeline: Pipeline) -> None:
    """Recompute every deal's furthest open stage from its history, after the pipeline's stages
    were reordered."""
    furthest = (
        DealStageChange.objects.filter(deal=OuterRef("pk"), to_stage__kind=StageKind.OPEN)
        .order_by()
        .values("deal")
        .annotate(m=Max("to_stage__position"))
        .values("m")
    )
    Deal.objects.filter(pipeline=pipeline).update(furthest_position=Subquery(furthest))


def _enter_stage(
    deal: Deal, stage: Stage, *, actor: User | None, now: datetime.datetime
) -> DealStageChange:
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    _count_stay(deal, seconds=seconds, now=now)
    deal.furthest_position = _furthest(deal, stage)
    change = DealStageChange.objects.create(
        deal=deal,
        from_stage=deal.stage,
        to_stage=stage,
        changed_by=actor,
        changed_at=now,
        seconds_in_previous_stage=seconds,
    )
    deal.stage = stage
    deal.stage_entered_at = now
    deal.stale_task_created_at = None
    return change


def _clean_lost_reason(reason_id: Any) -> LostReason:
    reason = None
    if reason_id not in (None, ""):
        reason = LostReason.objects.filter(pk=parse_int(reason_id), is_active=True).first()
    if reason is None:
        raise invalid("lost_reason_id", _("Choose why the deal was lost."))
    return reason


def _clean_note(note: Any) -> str:
    errors = FieldErrors()
    note = clean_text(note, "note", errors, limit=2000, count=False)
    errors.raise_if_any()
    return note


def _ensure_open(deal: Deal) -> None:
    if deal.status != DealStatus.OPEN:
        raise DealClosed(_("This deal is closed. Reopen it before moving it."))


@transaction.atomic
def deal_move_stage(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    version: int | None = None,
    lost_reason_id: int | None = None,
    note: str = "",
) -> Deal:
    """Move an open deal to another stage of its pipeline.

    The deal takes the stage's probability. A won stage wins the deal; a lost stage loses it and
    needs `lost_reason_id`. Moving to the stage it is in changes nothing.
    """
    deal = _locked(deal)
    check_version(deal, version, STALE_DEAL)
    _ensure_open(deal)
    if stage.pipeline_id != deal.pipeline_id:
        raise invalid("stage_id", _("Choose a stage of the deal's pipeline."))
    if stage.kind == StageKind.WON:
        return _close(actor=actor, deal=deal, stage=stage, status=DealStatus.WON, note=note)
    if stage.kind == StageKind.LOST:
        reason = _clean_lost_reason(lost_reason_id)
        return _close(
            actor=actor, deal=deal, stage=stage, status=DealStatus.LOST, note=note, reason=reason
        )
    if stage.pk == deal.stage_id:
        return deal
    now = timezone.now()
    previous = deal.stage
    _enter_stage(deal, stage, actor=actor, now=now)
    deal.probability = stage.probability
    deal.version += 1
    deal.save()
    _timeline(
        deal,
        kind="deal.stage_changed",
        actor=actor,
        when=now,
        data={"from": previous.name, "to": stage.name},
    )
    record_changed("deal", deal.pk, "updated", changed_fields=STAGE_FIELDS, actor=actor)
    return deal


# What a move to another stage changes, as announced (rapport.core.records).
STAGE_FIELDS = ("stage", "stage_entered_at", "probability")
CLOSE_FIELDS = (*STAGE_FIELDS, "status", "closed_at", "lost_reason", "close_note")


def _close(
    *,
    actor: User,
    deal: Deal,
    stage: Stage,
    status: str,
    note: Any,
    reason: LostReason | None = None,
) -> Deal:
    note = _clean_note(note)
    now = timezone.now()
    previous = deal.stage
    _enter_stage(deal, stage, actor=actor, now=now)
    deal.status = status
    deal.probability = 100 if status == DealStatus.WON else 0
    deal.closed_at = now
    deal.lost_reason = reason
    deal.close_note = note
    deal.version += 1
    deal.save()
    # Announced before DealWon, whose subscribers may place the deal's order.
    record_changed("deal", deal.pk, "updated", changed_fields=CLOSE_FIELDS, actor=actor)
    if status == DealStatus.WON:
        _timeline(deal, kind="deal.won", actor=actor, when=now, data={"from": previous.name})
        publish(DealWon(deal_id=deal.pk, actor_id=actor.pk))
    else:
        _timeline(
            deal,
            kind="deal.lost",
            actor=actor,
            when=now,
            data={"from": previous.name, "reason": reason.name if reason else ""},
        )
    return deal


def _closing_stage_or_fail(deal: Deal, kind: str) -> Stage:
    stage = closing_stage(deal.pipeline, kind)
    if stage is None:
        raise ApplicationError(
            "no_closing_stage",
            _("The pipeline “%(name)s” has no stage for this outcome.") % {"name": deal.pipeline},
        )
    return stage


@transaction.atomic
def deal_win(*, actor: User, deal: Deal, note: str = "", version: int | None = None) -> Deal:
    """Move an open deal to its pipeline's won stage; publishes `DealWon`."""
    deal = _locked(deal)
    check_version(deal, version, STALE_DEAL)
    _ensure_open(deal)
    stage = _closing_stage_or_fail(deal, StageKind.WON)
    return _close(actor=actor, deal=deal, stage=stage, status=DealStatus.WON, note=note)


@transaction.atomic
def deal_lose(
    *, actor: User, deal: Deal, reason_id: int | None, note: str = "", version: int | None = None
) -> Deal:
    """Move an open deal to its pipeline's lost stage, with the reason (required) and a note."""
    deal = _locked(deal)
    check_version(deal, version, STALE_DEAL)
    _ensure_open(deal)
    reason = _clean_lost_reason(reason_id)
    stage = _closing_stage_or_fail(deal, StageKind.LOST)
    return _close(
        actor=actor, deal=deal, stage=stage, status=DealStatus.LOST, note=note, reason=reason
    )


@transaction.atomic
def deal_reopen(
    *, actor: User, deal: Deal, stage: Stage | None = None, version: int | None = None
) -> Deal:
    """Put a won or lost deal back into an open stage: `stage`, else the open stage it was closed
    from, else the pipeline's first. It takes that stage's probability."""
    deal = _locked(deal)
    check_version(deal, version, STALE_DEAL)
    if deal.status == DealStatus.OPEN:
        raise ApplicationError("deal_open", _("This deal is already open."))
    if stage is None:
        last = (
            DealStageChange.objects.filter(deal=deal, to_stage=deal.stage_id)
            .exclude(from_stage=None)
            .select_related("from_stage")
            .order_by("-changed_at", "-id")
            .first()
        )
        if last is not None and last.from_stage.kind == StageKind.OPEN:
            stage = last.from_stage
        else:
            stage = first_open_stage(deal.pipeline)
    if stage is None or stage.pipeline_id != deal.pipeline_id or stage.kind != StageKind.OPEN:
        raise invalid("stage_id", _("Choose an open stage of the deal's pipeline."))
    now = timezone.now()
    previous = deal.stage
    _enter_stage(deal, stage, actor=actor, now=now)
    deal.status = DealStatus.OPEN
    deal.probability = stage.probability
    deal.closed_at = None
    deal.lost_reason = None
    deal.close_note = ""
    deal.version += 1
    deal.save()
    record_changed("deal", deal.pk, "updated", changed_fields=CLOSE_FIELDS, actor=actor)
    _timeline(
        deal,
        kind="deal.stage_changed",
        actor=actor,
        when=now,
        data={"from": previous.name, "to": stage.name},
    )
    return deal


@transaction.atomic
def deal_follow_up_if_stale(*, deal_id: int, now: datetime.datetime | None = None) -> bool:
    """Create the follow-up task for a deal that has sat in its stage too long; once per stay.

    Called by the hourly job. Re-checks under a row lock, so running twice creates one task.
    Returns whether a task was created.
    """
    now = now or timezone.now()
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "owner")
        .filter(pk=deal_id)
        .first()
    )
    if (
        deal is None
        or deal.status != DealStatus.OPEN
        or deal.stale_task_created_at is not None
        or deal.stage.stale_after_days is None
        or deal.stage_entered_at > now - datetime.timedelta(days=deal.stage.stale_after_days)
        or not deal.owner.is_active
    ):
        return False
    with translation.override(deal.owner.language):
        title = _("Follow up: “%(deal)s” has been in %(stage)s for %(days)d days") % {
            "deal": deal.title,
            "stage": deal.stage.name,
            "days": (now - deal.stage_entered_at).days,
        }
    task_create_follow_up(
        assignee=deal.owner,
        title=title[:200],
        due_at=now + datetime.timedelta(days=1),
        person_id=deal.person_id,
        company_id=deal.company_id,
        subject=deal,
        subject_label=deal.title,
    )
    Deal.objects.filter(pk=deal.pk).update(stale_task_created_at=now)
    return True


# --- Pipelines and stages (administrators) -------------------------------------------------------


def _clean_stage_spec(item: Any, prefix: str, errors: FieldErrors, *, partial: bool) -> dict:
    spec: dict[str, Any] = {}
    if not isinstance(item, dict):
        errors.add(prefix or "stage", _("Give an object."))
        return spec
    reject_unknown(item, ("name", "probability", "kind", "stale_after_days"), errors, prefix)
    if "name" in item or not partial:
        # Known quirk, kept: for a stage listed in a new pipeline ("stages.2."), its name's
        # messages are filed under the pipeline's "name"; an empty one also under its own key.
        spec["name"] = clean_text(item.get("name"), "name", errors, limit=100, required=True)
        if not spec["name"] and f"{prefix}name" not in errors:
            errors.add(f"{prefix}name", _("This field is required."))
    if "probability" in item or not partial:
        spec["probability"] = clean_int(
            item.get("probability", 0),
            f"{prefix}probability",
            errors,
            min_value=0,
            max_value=100,
            message=_("Enter a whole number from 0 to 100."),
        )
    if "kind" in item or not partial:
        spec["kind"] = clean_choice(
            item.get("kind"),
            f"{prefix}kind",
            errors,
            choices=StageKind.values,
            default=StageKind.OPEN,
            list_choices=True,
        )
    if "stale_after_days" in item:
        days = item["stale_after_days"]
        spec["stale_after_days"] = (
            None
            if days in (None, "")
            else clean_int(
                days,
                f"{prefix}stale_after_days",
                errors,
                min_value=1,
                max_value=3650,
                message=_("Enter a number of days from 1."),
            )
        )
    return spec


def _clean_position(data: dict, cleaned: dict, errors: FieldErrors) -> None:
    if "position" in data:
        cleaned["position"] = clean_int(
            data["position"],
            "position",
            errors,
            min_value=0,
            message=_("Enter a whole number of at least 0."),
        )


def _clean_pipeline(data: dict, *, instance: Pipeline | None) -> dict:
    errors = FieldErrors()
    allowed = ("name", "position", "is_default", "is_active")
    reject_unknown(data, (*allowed, "stages") if instance is None else allowed, errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or instance is None:
        cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
        taken = Pipeline.objects.filter(name=cleaned["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if cleaned["name"] and taken.exists():
            errors.add("name", _("A pipeline with this name exists."))
    _clean_position(data, cleaned, errors)
    for key in ("is_default", "is_active"):
        if key in data:
            cleaned[key] = clean_flag(data[key], key, errors, message=_("Enter true or false."))
    if instance is None:
        stages = data.get("stages")
        if stages in (None, []):
            specs = default_stage_specs()
        elif not isinstance(stages, list | tuple):
            errors.add("stages", _("Give a list of objects."))
            specs = []
        else:
            specs = [
                _clean_stage_spec(item, f"stages.{i}.", errors, partial=False)
                for i, item in enumerate(stages)
            ]
            _check_stage_set(specs, errors)
        cleaned["stages"] = specs
    errors.raise_if_any()
    return cleaned


def _check_stage_set(specs: list[dict], errors: FieldErrors) -> None:
    kinds = [s.get("kind") for s in specs]
    if kinds.count(StageKind.OPEN) < 1:
        errors.add("stages", _("A pipeline needs at least one open stage."))
    if kinds.count(StageKind.WON) != 1 or kinds.count(StageKind.LOST) != 1:
        errors.add("stages", _("A pipeline needs exactly one won and one lost stage."))
    names = [s.get("name") for s in specs]
    if len(names) != len(set(names)):
        errors.add("stages", _("Each stage needs its own name."))


@transaction.atomic
def pipeline_create(*, actor: User, data: dict) -> Pipeline:
    """Create a pipeline with `stages` (a list of {name, probability, kind, stale_after_days},
    exactly one won and one lost) or, without them, the default stages."""
    require_settings_manager(actor)
    cleaned = _clean_pipeline(data, instance=None)
    specs = cleaned.pop("stages")
    if cleaned.get("is_default"):
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    if "position" not in cleaned:
        last = Pipeline.objects.aggregate(m=Max("position"))["m"]
        cleaned["position"] = 0 if last is None else last + 1
    pipeline = Pipeline.objects.create(**cleaned)
    _create_stages(pipeline, specs)
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: User, pipeline: Pipeline, data: dict) -> Pipeline:
    require_settings_manager(actor)
    cleaned = _clean_pipeline(data, instance=pipeline)
    if cleaned.get("is_default"):
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    for field, value in cleaned.items():
        setattr(pipeline, field, value)
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor: User, pipeline: Pipeline) -> None:
    require_settings_manager(actor)
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise InUse(_("Deals use this pipeline. Deactivate it instead."))
    DealStageChange.objects.filter(to_stage__pipeline=pipeline).delete()
    pipeline.delete()


def _stage_in_use(stage: Stage) -> bool:
    return (
        Deal.objects.filter(stage=stage).exists()
        or DealStageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    )


@transaction.atomic
def stage_create(*, actor: User, pipeline: Pipeline, data: dict) -> Stage:
    """Add a stage; without a `position` an open stage goes after the last open one."""
    require_settings_manager(actor)
    errors = FieldErrors()
    payload = {k: v for k, v in data.items() if k != "position"}
    spec = _clean_stage_spec(payload, "", errors, partial=False)
    placed: dict[str, Any] = {}
    _clean_position(data, placed, errors)
    position = placed.get("position")
    if spec.get("name") and pipeline.stages.filter(name=spec["name"]).exists():
        errors.add("name", _("This pipeline already has a stage with this name."))
    if spec.get("kind") in CLOSED_KINDS and pipeline.stages.filter(kind=spec["kind"]).exists():
        errors.add("kind", _("A pipeline has one won and one lost stage."))
    errors.raise_if_any()
    stages = list(pipeline.stages.select_for_update().order_by("position", "id"))
    if position is None:
        open_count = sum(1 for s in stages if s.kind == StageKind.OPEN)
        position = open_count if spec["kind"] == StageKind.OPEN else len(stages)
    position = min(position, len(stages))
    stage = Stage(pipeline=pipeline, **spec)
    stages.insert(position, stage)
    stage.position = position
    stage.save()
    _renumber(stages)
    return stage


def _renumber(stages: list[Stage]) -> None:
    moved = [stage for i, stage in enumerate(stages) if stage.position != i]
    for i, stage in enumerate(stages):
        stage.position = i
    Stage.objects.bulk_update(stages, ["position"])
    if moved and stages:
        deals_recompute_furthest(pipeline=stages[0].pipeline)


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, data: dict) -> Stage:
    """Rename a stage or change its probability or stale days. Its kind changes only while no
    deal is in it (a deal's status follows its stage's kind)."""
    require_settings_manager(actor)
    errors = FieldErrors()
    spec = _clean_stage_spec(data, "", errors, partial=True)
    if spec.get("name") and (
        Stage.objects.filter(pipeline_id=stage.pipeline_id, name=spec["name"])
        .exclude(pk=stage.pk)
        .exists()
    ):
        errors.add("name", _("This pipeline already has a stage with this name."))
    if "kind" in spec and spec["kind"] != stage.kind:
        if Deal.objects.filter(stage=stage).exists():
            errors.add("kind", _("Deals are in this stage; its kind cannot change."))
        siblings = Stage.objects.filter(pipeline_id=stage.pipeline_id).exclude(pk=stage.pk)
        if spec["kind"] in CLOSED_KINDS and siblings.filter(kind=spec["kind"]).exists():
            errors.add("kind", _("A pipeline has one won and one lost stage."))
        if stage.kind == StageKind.OPEN and not siblings.filter(kind=StageKind.OPEN).exists():
            errors.add("kind", _("A pipeline needs at least one open stage."))
    errors.raise_if_any()
    kind_changed = "kind" in spec and spec["kind"] != stage.kind
    for field, value in spec.items():
        setattr(stage, field, value)
    stage.save()
    if kind_changed:
        deals_recompute_furthest(pipeline=stage.pipeline)
    return stage


@transaction.atomic
def stage_reorder(*, actor: User, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the order of `stage_ids` (all of them, each once)."""
    require_settings_manager(actor)
    stages = {s.pk: s for s in pipeline.stages.select_for_update()}
    if sorted(stage_ids) != sorted(stages) or len(set(stage_ids)) != len(stage_ids):
        raise invalid("stage_ids", _("List every stage of the pipeline once."))
    ordered = [stages[pk] for pk in stage_ids]
    _renumber(ordered)
    return ordered


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    """Delete a stage no deal is in or has passed through (the history would lose it)."""
    require_settings_manager(actor)
    if _stage_in_use(stage):
        raise InUse(_("Deals are in this stage or have passed through it."))
    siblings = Stage.objects.filter(pipeline_id=stage.pipeline_id).exclude(pk=stage.pk)
    if stage.kind in CLOSED_KINDS:
        raise InUse(_("A pipeline keeps its won and lost stages."))
    if not siblings.filter(kind=StageKind.OPEN).exists():
        raise InUse(_("A pipeline needs at least one open stage."))
    stage.delete()
    _renumber(list(siblings.order_by("position", "id")))


# --- Lost reasons (administrators) ---------------------------------------------------------------


def _clean_lost_reason_data(data: dict, *, instance: LostReason | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, ("name", "position", "is_active"), errors)
    cleaned: dict[str, Any] = {}
    if "name" in data or instance is None:
        cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
        taken = LostReason.objects.filter(name=cleaned["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if cleaned["name"] and taken.exists():
            errors.add("name", _("A lost reason with this name exists."))
    _clean_position(data, cleaned, errors)
    if "is_active" in data:
        cleaned["is_active"] = clean_flag(
            data["is_active"], "is_active", errors, message=_("Enter true or false.")
        )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def lost_reason_create(*, actor: User, data: dict) -> LostReason:
    require_settings_manager(actor)
    cleaned = _clean_lost_reason_data(data, instance=None)
    if "position" not in cleaned:
        last = LostReason.objects.aggregate(m=Max("position"))["m"]
        cleaned["position"] = 0 if last is None else last + 1
    return LostReason.objects.create(**cleaned)


@transaction.atomic
def lost_reason_update(*, actor: User, reason: LostReason, data: dict) -> LostReason:
    require_settings_manager(actor)
    cleaned = _clean_lost_reason_data(data, instance=reason)
    for field, value in cleaned.items():
        setattr(reason, field, value)
    reason.save()
    return reason


@transaction.atomic
def lost_reason_delete(*, actor: User, reason: LostReason) -> None:
    require_settings_manager(actor)
    if Deal.objects.filter(lost_reason=reason).exists():
        raise InUse(_("Deals were lost for this reason; deactivate it instead."))
    reason.delete()
