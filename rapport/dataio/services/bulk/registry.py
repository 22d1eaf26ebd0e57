"""What bulk actions exist: one `BulkList` per list page, each with the actions that make sense
for its records, and for each action the parameters it takes and the service it calls per record.

A list reuses its page's own filter parser and selector (as exports do), so "all rows matching
the filter" is exactly what the list shows, under the one visibility rule. Every action changes a
record only through its app's service, which checks what the actor may do, writes the record's
timeline entry or history and announces the change; a refusal (`ApplicationError`) skips that
record with the service's own words as the reason.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from rapport.accounts.access import assignable_owners
from rapport.accounts.models import User
from rapport.activities import task_services
from rapport.activities import task_views as activity_task_views
from rapport.activities.models import Task, TaskStatus
from rapport.activities.task_selectors import tasks_list, tasks_visible_to
from rapport.core.cleaning import FieldErrors, clean_choice, clean_date, clean_text, parse_id
from rapport.core.errors import NotFound
from rapport.customers import services as customer_services
from rapport.customers import views as customer_views
from rapport.customers.models import Company, LifecycleStage, Person, Tag
from rapport.customers.selectors import (
    companies_list,
    companies_visible_to,
    persons_list,
    persons_visible_to,
)
from rapport.dataio.models import ExportFormat
from rapport.sales.models import Deal, Lead, LostReason, Order, OrderStatus, Stage, StageKind
from rapport.sales.selectors.deals import deals_list, deals_visible_to
from rapport.sales.selectors.leads import leads_list, leads_visible_to
from rapport.sales.selectors.orders import orders_list, orders_visible_to
from rapport.sales.services import deals as deal_services
from rapport.sales.services import leads as lead_services
from rapport.sales.services.orders import order_change_status
from rapport.sales.views import deals as deal_views
from rapport.sales.views import leads as lead_views
from rapport.sales.views import orders as order_views

TITLE_MAX = 200
REASON_MAX = 500
# A task made for each record is due at this hour of the chosen day, where the users are.
TASK_DUE_HOUR = 9

# What an action returns for a record: it changed, or it already was as asked.
CHANGED, UNCHANGED = True, False


@dataclass(frozen=True)
class BulkActionSpec:
    key: str
    label: str | Promise
    # The parameters it asks for (see `PARAMETER_CLEANERS`), in the order the form shows them.
    params: tuple[str, ...] = ()
    # Deleting, or anything else that cannot be taken back: the form asks for a confirmation.
    destructive: bool = False
    # Answers a download instead of changing records (the export).
    download: bool = False
    # (actor, record, cleaned parameters) → CHANGED or UNCHANGED; raises ApplicationError to
    # skip the record.
    apply: Callable[[User, Any, dict], bool] | None = None


@dataclass(frozen=True)
class BulkList:
    name: str
    label: str | Promise
    model: type
    # The list page's own parser: it reads `.GET` (and `.user`) of what it is given.
    parse_filters: Callable[[Any], Any]
    # The list page's own selector: `(user, filters)` → the visible rows matching them.
    select: Callable[[User, Any], QuerySet]
    # Every record the user may see, for a selection of ids.
    visible: Callable[[User], QuerySet]
    list_url_name: str
    actions: tuple[BulkActionSpec, ...]
    # How each chunk of records is loaded for the actions (the services read these relations).
    related: tuple[str, ...] = ()
    prefetch: tuple = ()
    name_of: Callable[[Any], str] = str
    export_record_type: str = ""
    extra: dict = field(default_factory=dict)

    def filters_from(self, user: User, query: str) -> Any:
        return self.parse_filters(SimpleNamespace(GET=QueryDict(query), user=user))

    def matching(self, user: User, query: str) -> QuerySet:
        return self.select(user, self.filters_from(user, query))

    def action(self, key: str) -> BulkActionSpec:
        for action in self.actions:
            if action.key == key:
                return action
        raise NotFound(_("This list has no such bulk action."))

    def load(self, ids: list[int]) -> list:
        """The records of `ids` in id order, with what the actions read."""
        qs = self.model.objects.filter(pk__in=ids).order_by("pk")
        if self.related:
            qs = qs.select_related(*self.related)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return list(qs)


# --- Parameters ----------------------------------------------------------------------------------


def _clean_owner(actor: User, value: Any, errors: FieldErrors) -> User | None:
    owner = assignable_owners(actor).filter(pk=parse_id(value) or 0).first()
    if owner is None:
        errors.add("owner_id", _("Choose someone you may give records to."))
    return owner


def _clean_tag(actor: User, value: Any, errors: FieldErrors) -> Tag | None:
    tag = Tag.objects.filter(pk=parse_id(value) or 0).first()
    if tag is None:
        errors.add("tag_id", _("Choose a tag."))
    return tag


def _clean_stage_choice(actor: User, value: Any, errors: FieldErrors) -> str | None:
    return clean_choice(value, "lifecycle_stage", errors, choices=LifecycleStage.values)


def _clean_reason(actor: User, value: Any, errors: FieldErrors) -> str:
    return clean_text(value, "reason", errors, limit=REASON_MAX, required=True)


def _clean_deal_stage(actor: User, value: Any, errors: FieldErrors) -> Stage | None:
    stage = (
        Stage.objects.filter(pk=parse_id(value) or 0, kind=StageKind.OPEN)
        .select_related("pipeline")
        .first()
    )
    if stage is None:
        errors.add("stage_id", _("Choose an open stage."))
    return stage


def _clean_lost_reason(actor: User, value: Any, errors: FieldErrors) -> LostReason | None:
    reason = LostReason.objects.filter(pk=parse_id(value) or 0, is_active=True).first()
    if reason is None:
        errors.add("lost_reason_id", _("Choose why the deals were lost."))
    return reason


def _clean_order_status(actor: User, value: Any, errors: FieldErrors) -> str | None:
    return clean_choice(value, "status", errors, choices=BULK_ORDER_STATUSES)


def _clean_title(actor: User, value: Any, errors: FieldErrors) -> str:
    return clean_text(value, "title", errors, limit=TITLE_MAX, required=True)


def _clean_due_date(actor: User, value: Any, errors: FieldErrors) -> datetime.date | None:
    return clean_date(value, "due_date", errors)


def _clean_assignee(actor: User, value: Any, errors: FieldErrors) -> str | None:
    return clean_choice(value or "owner", "assignee", errors, choices=("owner", "me"))


def _clean_format(actor: User, value: Any, errors: FieldErrors) -> str | None:
    return clean_choice(value, "format", errors, choices=ExportFormat.values, default="csv")


# Bulk status changes an order may take ("paid" comes with the last payment); an order that
# cannot move there from where it is, or needs a note (cancelling a paid order), is skipped.
BULK_ORDER_STATUSES = (
    OrderStatus.SHIPPED,
    OrderStatus.RECEIVED,
    OrderStatus.RETURNED,
    OrderStatus.CANCELLED,
)

PARAMETER_CLEANERS: dict[str, Callable[[User, Any, FieldErrors], Any]] = {
    "owner_id": _clean_owner,
    "tag_id": _clean_tag,
    "lifecycle_stage": _clean_stage_choice,
    "reason": _clean_reason,
    "stage_id": _clean_deal_stage,
    "lost_reason_id": _clean_lost_reason,
    "status": _clean_order_status,
    "title": _clean_title,
    "due_date": _clean_due_date,
    "assignee": _clean_assignee,
    "format": _clean_format,
}


def clean_params(actor: User, action: BulkActionSpec, data: dict) -> dict:
    """The action's parameters from `data` (a form's or a job's), as objects the actions use;
    `ValidationFailed` with a message per field when one is missing or not allowed."""
    errors = FieldErrors()
    cleaned = {
        name: PARAMETER_CLEANERS[name](actor, data.get(name), errors) for name in action.params
    }
    errors.raise_if_any()
    return cleaned


def params_as_data(cleaned: dict) -> dict:
    """The cleaned parameters as JSON for the job row (records by id), read again by
    `clean_params` when the job runs."""

    def as_data(value: Any) -> Any:
        if hasattr(value, "pk"):
            return value.pk
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value) if isinstance(value, str) else value

    return {name: as_data(value) for name, value in cleaned.items()}


# --- Actions -------------------------------------------------------------------------------------


def _customer_update(actor: User, record, data: dict) -> None:
    if isinstance(record, Person):
        customer_services.person_update(actor=actor, person=record, data=data, version=None)
    else:
        customer_services.company_update(actor=actor, company=record, data=data, version=None)


def _customer_assign(actor: User, record, params: dict) -> bool:
    if record.owner_id == params["owner_id"].pk:
        return UNCHANGED
    _customer_update(actor, record, {"owner_id": params["owner_id"].pk})
    return CHANGED


def _tag_ids(record) -> list[int]:
    return [tag.pk for tag in record.tags.all()]


def _customer_tag_add(actor: User, record, params: dict) -> bool:
    tag_ids = _tag_ids(record)
    if params["tag_id"].pk in tag_ids:
        return UNCHANGED
    _customer_update(actor, record, {"tag_ids": [*tag_ids, params["tag_id"].pk]})
    return CHANGED


def _customer_tag_remove(actor: User, record, params: dict) -> bool:
    tag_ids = _tag_ids(record)
    if params["tag_id"].pk not in tag_ids:
        return UNCHANGED
    _customer_update(actor, record, {"tag_ids": [t for t in tag_ids if t != params["tag_id"].pk]})
    return CHANGED


def _customer_stage(actor: User, record, params: dict) -> bool:
    if record.lifecycle_stage == params["lifecycle_stage"]:
        return UNCHANGED
    _customer_update(actor, record, {"lifecycle_stage": params["lifecycle_stage"]})
    return CHANGED


def _customer_delete(actor: User, record, params: dict) -> bool:
    if isinstance(record, Person):
        customer_services.person_delete(actor=actor, person=record)
    else:
        customer_services.company_delete(actor=actor, company=record)
    return CHANGED


def _due_at(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(TASK_DUE_HOUR)),
        timezone.get_default_timezone(),
    )


def _task_data(actor: User, record, params: dict) -> dict:
    assignee_id = actor.pk
    if params["assignee"] == "owner" and getattr(record, "owner_id", None):
        assignee_id = record.owner_id
    due_at = _due_at(params["due_date"])
    return {
        "title": params["title"],
        "due_at": due_at,
        "remind_at": due_at,
        "assignee_id": assignee_id,
    }


def _task_for_customer(actor: User, record, params: dict) -> bool:
    key = "person_id" if isinstance(record, Person) else "company_id"
    task_services.task_create(
        actor=actor, data={**_task_data(actor, record, params), key: record.pk}
    )
    return CHANGED


def _task_about(label: Callable[[Any], str]) -> Callable[[User, Any, dict], bool]:
    def apply(actor: User, record, params: dict) -> bool:
        task_services.task_create(
            actor=actor,
            data=_task_data(actor, record, params),
            subject=record,
            subject_label=label(record),
        )
        return CHANGED

    return apply


def _lead_assign(actor: User, lead: Lead, params: dict) -> bool:
    if lead.owner_id == params["owner_id"].pk:
        return UNCHANGED
    lead_services.lead_assign_to(actor=actor, lead=lead, owner=params["owner_id"])
    return CHANGED


def _lead_disqualify(actor: User, lead: Lead, params: dict) -> bool:
    lead_services.lead_disqualify(actor=actor, lead=lead, reason=params["reason"])
    return CHANGED


def _lead_delete(actor: User, lead: Lead, params: dict) -> bool:
    lead_services.lead_delete(actor=actor, lead=lead)
    return CHANGED


def _deal_assign(actor: User, deal: Deal, params: dict) -> bool:
    if deal.owner_id == params["owner_id"].pk:
        return UNCHANGED
    deal_services.deal_update(actor=actor, deal=deal, data={"owner_id": params["owner_id"].pk})
    return CHANGED


def _deal_move(actor: User, deal: Deal, params: dict) -> bool:
    if deal.stage_id == params["stage_id"].pk:
        return UNCHANGED
    deal_services.deal_move_stage(actor=actor, deal=deal, stage=params["stage_id"])
    return CHANGED


def _deal_lose(actor: User, deal: Deal, params: dict) -> bool:
    deal_services.deal_lose(actor=actor, deal=deal, reason_id=params["lost_reason_id"].pk)
    return CHANGED


def _order_status(actor: User, order: Order, params: dict) -> bool:
    if order.status == params["status"]:
        return UNCHANGED
    order_change_status(actor=actor, order=order, status=params["status"])
    return CHANGED


def _task_assign(actor: User, task: Task, params: dict) -> bool:
    if task.assignee_id == params["owner_id"].pk:
        return UNCHANGED
    task_services.task_update(actor=actor, task=task, data={"assignee_id": params["owner_id"].pk})
    return CHANGED


def _task_complete(actor: User, task: Task, params: dict) -> bool:
    if task.status == TaskStatus.DONE:
        return UNCHANGED
    task_services.task_complete(actor=actor, task=task)
    return CHANGED


def _task_delete(actor: User, task: Task, params: dict) -> bool:
    task_services.task_delete(actor=actor, task=task)
    return CHANGED


ASSIGN_LABEL = gettext_lazy("Assign an owner")
TASK_PARAMS = ("title", "due_date", "assignee")


def _assign(apply) -> BulkActionSpec:
    return BulkActionSpec("assign", ASSIGN_LABEL, ("owner_id",), apply=apply)


def _create_task(apply) -> BulkActionSpec:
    return BulkActionSpec(
        "create_task", gettext_lazy("Create a task for each"), TASK_PARAMS, apply=apply
    )


EXPORT = BulkActionSpec(
    "export", pgettext_lazy("bulk action", "Export"), ("format",), download=True
)


def _delete(apply) -> BulkActionSpec:
    return BulkActionSpec(
        "delete", pgettext_lazy("bulk action", "Delete"), destructive=True, apply=apply
    )


def _customer_actions() -> tuple[BulkActionSpec, ...]:
    return (
        _assign(_customer_assign),
        BulkActionSpec("tag_add", gettext_lazy("Add a tag"), ("tag_id",), apply=_customer_tag_add),
        BulkActionSpec(
            "tag_remove", gettext_lazy("Remove a tag"), ("tag_id",), apply=_customer_tag_remove
        ),
        BulkActionSpec(
            "lifecycle_stage",
            gettext_lazy("Change the lifecycle stage"),
            ("lifecycle_stage",),
            apply=_customer_stage,
        ),
        _create_task(_task_for_customer),
        EXPORT,
        _delete(_customer_delete),
    )


_TAGS = Prefetch("tags", queryset=Tag.objects.only("pk"))

BULK_LISTS: dict[str, BulkList] = {
    bulk_list.name: bulk_list
    for bulk_list in (
        BulkList(
            name="persons",
            label=gettext_lazy("Persons"),
            model=Person,
            parse_filters=customer_views._filters,
            select=persons_list,
            visible=persons_visible_to,
            list_url_name="customers:person_list",
            actions=_customer_actions(),
            prefetch=(_TAGS,),
            name_of=lambda person: person.full_name,
            export_record_type="persons",
        ),
        BulkList(
            name="companies",
            label=gettext_lazy("Companies"),
            model=Company,
            parse_filters=customer_views._filters,
            select=companies_list,
            visible=companies_visible_to,
            list_url_name="customers:company_list",
            actions=_customer_actions(),
            prefetch=(_TAGS,),
            name_of=lambda company: company.name,
            export_record_type="companies",
        ),
        BulkList(
            name="leads",
            label=gettext_lazy("Leads"),
            model=Lead,
            parse_filters=lead_views._filters,
            select=leads_list,
            visible=leads_visible_to,
            list_url_name="sales:lead_list",
            actions=(
                _assign(_lead_assign),
                BulkActionSpec(
                    "disqualify",
                    gettext_lazy("Disqualify"),
                    ("reason",),
                    destructive=True,
                    apply=_lead_disqualify,
                ),
                _create_task(_task_about(lambda lead: lead.full_name)),
                EXPORT,
                _delete(_lead_delete),
            ),
            name_of=lambda lead: lead.full_name,
            export_record_type="leads",
        ),
        BulkList(
            name="deals",
            label=gettext_lazy("Deals"),
            model=Deal,
            parse_filters=deal_views._filters,
            select=deals_list,
            visible=deals_visible_to,
            list_url_name="sales:deal_list",
            actions=(
                _assign(_deal_assign),
                BulkActionSpec(
                    "move_stage", gettext_lazy("Move to a stage"), ("stage_id",), apply=_deal_move
                ),
                BulkActionSpec(
                    "lose",
                    gettext_lazy("Mark as lost"),
                    ("lost_reason_id",),
                    destructive=True,
                    apply=_deal_lose,
                ),
                _create_task(_task_about(lambda deal: deal.title)),
                EXPORT,
            ),
            related=("stage", "pipeline"),
            name_of=lambda deal: deal.title,
            export_record_type="deals",
        ),
        BulkList(
            name="orders",
            label=gettext_lazy("Orders"),
            model=Order,
            parse_filters=order_views._filters,
            select=orders_list,
            visible=orders_visible_to,
            list_url_name="sales:order_list",
            actions=(
                BulkActionSpec(
                    "status",
                    gettext_lazy("Change the status"),
                    ("status",),
                    destructive=True,
                    apply=_order_status,
                ),
                _create_task(_task_about(lambda order: order.number)),
                EXPORT,
            ),
            name_of=lambda order: order.number,
            export_record_type="orders",
        ),
        BulkList(
            name="tasks",
            label=gettext_lazy("Tasks"),
            model=Task,
            parse_filters=activity_task_views.task_filters,
            select=tasks_list,
            visible=tasks_visible_to,
            list_url_name="activities:task_list",
            actions=(
                _assign(_task_assign),
                BulkActionSpec("complete", gettext_lazy("Mark as done"), apply=_task_complete),
                _delete(_task_delete),
            ),
            related=("assignee",),
            name_of=lambda task: task.title,
        ),
    )
}


def get_bulk_list(name: str) -> BulkList:
    bulk_list = BULK_LISTS.get(name)
    if bulk_list is None:
        raise NotFound(_("There is no such list."))
    return bulk_list
