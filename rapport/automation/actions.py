"""The action types rules offer, registered from `AutomationConfig.ready()`.

Each action changes records only through the owning app's services, acting as the rule's
creator (an administrator: rules are a shared setting), inside `changes_caused_by(<run's
origin>)` set by the engine, so the changes it causes are known as the rule's own.
"""

import datetime
import re
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.access import may_own
from rapport.accounts.assignment import least_loaded, next_in_turn, team_members
from rapport.accounts.models import Role, User
from rapport.activities.services import notification_create
from rapport.activities.task_services import task_create_follow_up
from rapport.automation.registry import (
    ActionContext,
    ActionFailed,
    ActionSkipped,
    ActionType,
    register_action,
    step_key,
)
from rapport.automation.triggers import date_fields_of, whole_number
from rapport.core.cleaning import FieldError, FieldErrors, clean_text, reject_unknown
from rapport.core.records import record_type
from rapport.customers.models import Tag
from rapport.customers.validation import clean_custom_value

MAX_TITLE = 200
MAX_MESSAGE = 500
MAX_WAIT_DAYS = 365
# What `set_field` may change, per record type (through the owning app's update service, which
# validates the value again when the action runs); custom fields of persons and companies too.
SETTABLE_FIELDS = {
    "person": ("lifecycle_stage", "region", "industry", "source", "gender", "notes"),
    "company": ("lifecycle_stage", "region", "industry", "source", "notes", "website"),
    "deal": ("probability", "urgency", "purchase_intent", "budget_status", "notes"),
    "lead": ("status", "notes"),
    "task": ("priority", "description"),
    "order": ("notes",),
}
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# --- Where a record's person, company, owner and tags are ------------------------------------


def person_of(record_type_key: str, record) -> Any:
    if record is None:
        return None
    if record_type_key == "person":
        return record
    rt = record_type(record_type_key)
    return getattr(record, rt.person_field) if rt and rt.person_field else None


def company_of(record_type_key: str, record) -> Any:
    if record is None:
        return None
    if record_type_key == "company":
        return record
    rt = record_type(record_type_key)
    return getattr(record, rt.company_field) if rt and rt.company_field else None


def owner_of(record_type_key: str, record) -> User | None:
    rt = record_type(record_type_key)
    if record is None or rt is None or not rt.owner_field:
        return None
    return getattr(record, rt.owner_field, None)


def update_record(actor: User, record_type_key: str, record, data: dict) -> None:
    """Change `record` through its app's update service (which validates and announces it)."""
    # Imported here: the services of every app a rule may change, looked up by record type.
    from rapport.activities.task_services import task_update
    from rapport.customers.services import company_update, person_update
    from rapport.sales.services.deals import deal_update
    from rapport.sales.services.leads import lead_assign_to, lead_update
    from rapport.sales.services.orders.placing import order_update

    if record_type_key == "person":
        person_update(actor=actor, person=record, data=data, version=None)
    elif record_type_key == "company":
        company_update(actor=actor, company=record, data=data, version=None)
    elif record_type_key == "deal":
        deal_update(actor=actor, deal=record, data=data)
    elif record_type_key == "lead":
        if "owner_id" in data:
            lead_assign_to(actor=actor, lead=record, owner=User.objects.get(pk=data["owner_id"]))
        rest = {k: v for k, v in data.items() if k != "owner_id"}
        if rest:
            lead_update(actor=actor, lead=record, data=rest, version=None)
    elif record_type_key == "task":
        task_update(actor=actor, task=record, data=data)
    elif record_type_key == "order":
        order_update(actor=actor, order=record, data=data)
    else:
        raise ActionSkipped(_("Records of this type cannot be changed by a rule."))


def _actor(context: ActionContext) -> User:
    actor = context.rule.created_by
    if actor is None or not actor.is_active:
        raise ActionFailed(_("The rule's creator is no longer an active user."))
    return actor


def _need_record(context: ActionContext):
    if context.record is None:
        raise ActionSkipped(_("The record no longer exists."))
    return context.record


# --- send_email --------------------------------------------------------------------------------


def _clean_send_email(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "template_id"), errors, prefix)
    template_id = whole_number(
        params.get("template_id"), f"{prefix}template_id", errors, 1, 2**63 - 1
    )
    if (
        template_id is not None
        and not apps.get_model("messaging.EmailTemplate").objects.filter(pk=template_id).exists()
    ):
        errors.add(f"{prefix}template_id", _("There is no such e-mail template."))
    if record_type_key and person_of_type(record_type_key) is None:
        errors.add(f"{prefix}type", _("These records have no person to write to."))
    return {"template_id": template_id}


def person_of_type(record_type_key: str) -> str | None:
    """The lookup to a record type's person ("" for persons), None when it has none."""
    if record_type_key == "person":
        return ""
    rt = record_type(record_type_key)
    return rt.person_field if rt and rt.person_field else None


def _run_send_email(context: ActionContext) -> dict:
    # Imported here: messaging's services load the mail backends, which only a run needs.
    from rapport.messaging.services import email_send_template

    record = _need_record(context)
    person = person_of(context.record_type, record)
    if person is None:
        raise ActionSkipped(_("The record has no person to write to."))
    template = (
        apps.get_model("messaging.EmailTemplate")
        .objects.filter(pk=context.params["template_id"])
        .first()
    )
    if template is None:
        raise ActionFailed(_("The e-mail template was deleted."))
    records = {context.record_type: record} if context.record_type != "person" else None
    message = email_send_template(
        template=template,
        person=person,
        send_key=step_key(context),
        origin=context.origin,
        records=records,
    )
    return {"message_id": message.pk, "status": str(message.status)}


# --- create_task ---------------------------------------------------------------------------------


def _clean_user_id(value, field: str, errors: FieldErrors) -> int | None:
    pk = whole_number(value, field, errors, 1, 2**63 - 1)
    if pk is not None and not User.objects.filter(pk=pk, is_active=True).exists():
        errors.add(field, _("There is no such active user."))
        return None
    return pk


def _clean_create_task(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "title", "due_in_days", "assignee"), errors, prefix)
    title = clean_text(
        params.get("title"), f"{prefix}title", errors, limit=MAX_TITLE, required=True
    )
    due = params.get("due_in_days", 1)
    due = whole_number(due, f"{prefix}due_in_days", errors, 0, 3650) if due not in (None, "") else 1
    assignee = params.get("assignee", "owner")
    if assignee != "owner":
        assignee = _clean_user_id(assignee, f"{prefix}assignee", errors)
    return {"title": title, "due_in_days": due, "assignee": assignee}


def _run_create_task(context: ActionContext) -> dict:
    record = _need_record(context)
    params = context.params
    if params["assignee"] == "owner":
        assignee = owner_of(context.record_type, record)
        if assignee is None:
            raise ActionSkipped(_("The record has no owner."))
    else:
        assignee = User.objects.filter(pk=params["assignee"], is_active=True).first()
        if assignee is None:
            raise ActionFailed(_("The task's assignee is no longer an active user."))
    person = person_of(context.record_type, record)
    company = company_of(context.record_type, record)
    subject = record if context.record_type not in ("person", "company") else None
    due_at = timezone.now() + datetime.timedelta(days=params["due_in_days"])
    task = task_create_follow_up(
        assignee=assignee,
        title=params["title"],
        due_at=due_at,
        person_id=person.pk if person is not None else None,
        company_id=company.pk if company is not None else None,
        subject=subject,
    )
    return {"task_id": task.pk, "assignee_id": assignee.pk}


# --- assign ---------------------------------------------------------------------------------


def _clean_assign(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "team_id", "method"), errors, prefix)
    team_id = whole_number(params.get("team_id"), f"{prefix}team_id", errors, 1, 2**63 - 1)
    if (
        team_id is not None
        and not apps.get_model("accounts.Team").objects.filter(pk=team_id).exists()
    ):
        errors.add(f"{prefix}team_id", _("There is no such team."))
    method = params.get("method", "round_robin")
    if method not in ("round_robin", "least_loaded"):
        errors.add(f"{prefix}method", _("Choose round robin or least loaded."))
    rt = record_type(record_type_key) if record_type_key else None
    assignable = rt is not None and rt.owner_field and record_type_key in SETTABLE_FIELDS
    if record_type_key and not assignable:
        errors.add(f"{prefix}type", _("Records of this type cannot be assigned by a rule."))
    return {"team_id": team_id, "method": method}


def _team_members(team_id: int) -> list[User]:
    return team_members(
        team_id, roles=(Role.SALES_REP, Role.SALES_MANAGER, Role.SERVICE_AGENT, Role.MARKETING)
    )


def _run_assign(context: ActionContext) -> dict:
    record = _need_record(context)
    actor = _actor(context)
    rule_model = type(context.rule)
    members = [user for user in _team_members(context.params["team_id"]) if may_own(actor, user)]
    if not members:
        raise ActionFailed(_("The team has no active member to assign to."))
    rt = record_type(context.record_type)
    if context.params["method"] == "round_robin":
        # The rule's row is locked so that two runs at once give out consecutive members.
        rule = rule_model.objects.select_for_update().get(pk=context.rule.pk)
        state = dict(rule.assignment_state or {})
        chosen = next_in_turn(members, state.get(str(context.params["team_id"])))
        state[str(context.params["team_id"])] = chosen.pk
        rule_model.objects.filter(pk=rule.pk).update(assignment_state=state)
    else:
        from django.db.models import Count

        model = type(record)
        loads = dict(
            model.objects.filter(**{f"{rt.owner_field}__in": members})
            .order_by()
            .values_list(rt.owner_field)
            .annotate(n=Count("pk"))
        )
        chosen = least_loaded(members, loads)
    if getattr(record, f"{rt.owner_field}_id") != chosen.pk:
        update_record(actor, context.record_type, record, {f"{rt.owner_field}_id": chosen.pk})
    return {"owner_id": chosen.pk}


# --- set_field, add_tag, remove_tag -------------------------------------------------------------


def _clean_set_field(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "field", "value"), errors, prefix)
    field = params.get("field")
    value = params.get("value")
    allowed = SETTABLE_FIELDS.get(record_type_key, ())
    if not isinstance(field, str):
        errors.add(f"{prefix}field", _("Choose a field."))
        return {"field": "", "value": None}
    if isinstance(value, dict | list):
        errors.add(f"{prefix}value", _("Enter a value."))
        return {"field": field, "value": None}
    # The value is checked as the record's own service will check it when the rule runs, so a
    # rule that could only ever fail is refused when it is saved.
    if field.startswith("custom.") and record_type_key in ("person", "company"):
        key = field.removeprefix("custom.")
        definitions = apps.get_model("customers.CustomFieldDefinition")
        definition = definitions.objects.filter(record_type=record_type_key, key=key).first()
        if definition is None:
            errors.add(f"{prefix}field", _("There is no custom field “%(key)s”.") % {"key": key})
        else:
            try:
                value = clean_custom_value(definition, value)
            except FieldError as error:
                errors.add(f"{prefix}value", str(error))
    elif record_type_key and field not in allowed:
        errors.add(f"{prefix}field", _("A rule cannot change this field."))
    elif record_type_key:
        model_field = apps.get_model(record_type(record_type_key).model)._meta.get_field(field)
        if model_field.choices:
            if value not in {c[0] for c in model_field.flatchoices}:
                errors.add(
                    f"{prefix}value", _("“%(value)s” is not a valid choice.") % {"value": value}
                )
        else:
            try:
                model_field.clean(value, None)
            except ValidationError as error:
                errors.add(f"{prefix}value", " ".join(error.messages))
    return {"field": field, "value": value}


def _run_set_field(context: ActionContext) -> dict:
    record = _need_record(context)
    field, value = context.params["field"], context.params["value"]
    if field.startswith("custom."):
        data = {"custom": {**(record.custom or {}), field.removeprefix("custom."): value}}
    else:
        data = {field: value}
    update_record(_actor(context), context.record_type, record, data)
    return {"field": field, "value": value}


def _clean_tag(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "tag"), errors, prefix)
    name = params.get("tag")
    if not isinstance(name, str) or not name.strip():
        errors.add(f"{prefix}tag", _("Give a tag name."))
        return {"tag": ""}
    if not Tag.objects.filter(name=name.strip()).exists():
        errors.add(f"{prefix}tag", _("There is no tag “%(name)s”.") % {"name": name.strip()})
    if (
        record_type_key
        and record_type_key not in ("person", "company")
        and person_of_type(record_type_key) is None
    ):
        errors.add(f"{prefix}type", _("These records have no tags."))
    return {"tag": name.strip()}


def _tagged(context: ActionContext) -> tuple[str, Any]:
    record = _need_record(context)
    if context.record_type in ("person", "company"):
        return context.record_type, record
    person = person_of(context.record_type, record)
    if person is None:
        raise ActionSkipped(_("The record has no person to tag."))
    return "person", person


def _change_tag(context: ActionContext, *, add: bool) -> dict:
    key, record = _tagged(context)
    tag = Tag.objects.filter(name=context.params["tag"]).first()
    if tag is None:
        raise ActionFailed(_("The tag “%(name)s” was deleted.") % {"name": context.params["tag"]})
    current = set(record.tags.values_list("pk", flat=True))
    wanted = current | {tag.pk} if add else current - {tag.pk}
    if wanted != current:
        update_record(_actor(context), key, record, {"tag_ids": sorted(wanted)})
    return {"tag": tag.name, "changed": wanted != current}


# --- notify ----------------------------------------------------------------------------------


def _clean_notify(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "users", "message"), errors, prefix)
    users = params.get("users", "owner")
    if isinstance(users, list):
        if not users or len(users) > 50:
            errors.add(f"{prefix}users", _("Choose 1 to 50 users."))
        users = [_clean_user_id(u, f"{prefix}users.{i}", errors) for i, u in enumerate(users)]
    elif users not in ("owner", "team_managers"):
        errors.add(f"{prefix}users", _("Choose the owner, the team's managers or some users."))
    message = clean_text(
        params.get("message"), f"{prefix}message", errors, limit=MAX_MESSAGE, required=True
    )
    return {"users": users, "message": message}


def _run_notify(context: ActionContext) -> dict:
    record = _need_record(context)
    users = context.params["users"]
    if users == "owner":
        owner = owner_of(context.record_type, record)
        recipients = [owner] if owner is not None and owner.is_active else []
    elif users == "team_managers":
        team_id = getattr(record, "team_id", None) or getattr(
            owner_of(context.record_type, record), "team_id", None
        )
        recipients = (
            list(User.objects.filter(team_id=team_id, role=Role.SALES_MANAGER, is_active=True))
            if team_id
            else []
        )
    else:
        recipients = list(User.objects.filter(pk__in=users, is_active=True))
    for recipient in recipients:
        notification_create(
            recipient=recipient,
            kind="automation.notify",
            title=context.params["message"],
            target_type=context.record_type,
            target_id=record.pk,
        )
    return {"recipients": [user.pk for user in recipients]}


# --- webhook -----------------------------------------------------------------------------------


def _clean_webhook(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type", "url", "secret", "allow_private"), errors, prefix)
    url = clean_text(params.get("url"), f"{prefix}url", errors, limit=500, required=True)
    if url and not URL_PATTERN.match(url):
        errors.add(f"{prefix}url", _("Enter an address starting with http:// or https://."))
    secret = clean_text(params.get("secret"), f"{prefix}secret", errors, limit=200)
    # Rules are administrators' own, so they may call an address on the private network (the
    # shop's ERP inside the company); refused unless said, as for webhook subscriptions.
    allow_private = params.get("allow_private", False)
    if not isinstance(allow_private, bool):
        errors.add(f"{prefix}allow_private", _("Choose yes or no."))
    return {"url": url, "secret": secret, "allow_private": allow_private is True}


def _run_webhook(context: ActionContext) -> dict:
    # Imported here: the HTTP client is loaded by a run only.
    from rapport.webhooks.services import webhook_call

    record = context.record
    rt = record_type(context.record_type)
    body = {
        # Repeats on a retry (also as the Rapport-Event-Id header), so the receiver can tell a
        # retry from a new call.
        "id": step_key(context),
        "type": "automation.rule",
        "rule": {"id": context.rule.pk, "name": context.rule.name},
        "record_type": context.record_type,
        "record_id": context.run.record_id,
        "record": rt.serialize(record) if record is not None and rt and rt.serialize else None,
        "trigger": context.run.trigger,
    }
    result = webhook_call(
        url=context.params["url"],
        body=body,
        secret=context.params.get("secret", ""),
        allow_private=context.params.get("allow_private", False),
    )
    outcome = {"status_code": result.status_code, "excerpt": result.excerpt[:200]}
    if not result.ok:
        raise ActionFailed(
            result.error or _("The address answered %(status)s.") % {"status": result.status_code}
        )
    return outcome


# --- wait and stop (run by the engine itself) -------------------------------------------------


def _clean_wait(params, errors, prefix, record_type_key):
    reject_unknown(
        params,
        ("type", "days", "hours", "until_field", "until_event", "timeout_days"),
        errors,
        prefix,
    )
    given = [
        k
        for k in ("days", "hours", "until_field", "until_event")
        if params.get(k) not in (None, "")
    ]
    if len(given) != 1:
        errors.add(
            f"{prefix}type",
            _("Wait a number of days or hours, until a date of the record, or for an event."),
        )
        return {}
    key = given[0]
    if key == "days":
        return {"days": whole_number(params["days"], f"{prefix}days", errors, 1, MAX_WAIT_DAYS)}
    if key == "hours":
        return {"hours": whole_number(params["hours"], f"{prefix}hours", errors, 1, 24 * 31)}
    if key == "until_field":
        if record_type_key and params["until_field"] not in (
            record_type(record_type_key).date_fields if record_type(record_type_key) else ()
        ):
            errors.add(f"{prefix}until_field", _("Choose a date field of this record type."))
        return {"until_field": params["until_field"]}
    name = clean_text(params["until_event"], f"{prefix}until_event", errors, limit=100)
    timeout = whole_number(
        params.get("timeout_days"), f"{prefix}timeout_days", errors, 1, MAX_WAIT_DAYS
    )
    if record_type_key and person_of_type(record_type_key) is None:
        errors.add(f"{prefix}until_event", _("These records have no person to wait for."))
    return {"until_event": name, "timeout_days": timeout}


def _clean_stop(params, errors, prefix, record_type_key):
    reject_unknown(params, ("type",), errors, prefix)
    return {}


def _engine_runs_it(context: ActionContext) -> dict:
    raise AssertionError("wait and stop are run by the engine")


def register() -> None:
    for key, label, clean, run, transactional in (
        ("send_email", gettext_lazy("Send an e-mail"), _clean_send_email, _run_send_email, False),
        ("create_task", gettext_lazy("Create a task"), _clean_create_task, _run_create_task, True),
        ("assign", gettext_lazy("Assign to a team member"), _clean_assign, _run_assign, True),
        ("set_field", gettext_lazy("Set a field"), _clean_set_field, _run_set_field, True),
        (
            "add_tag",
            gettext_lazy("Add a tag"),
            _clean_tag,
            lambda context: _change_tag(context, add=True),
            True,
        ),
        (
            "remove_tag",
            gettext_lazy("Remove a tag"),
            _clean_tag,
            lambda context: _change_tag(context, add=False),
            True,
        ),
        ("notify", gettext_lazy("Notify users"), _clean_notify, _run_notify, True),
        ("webhook", gettext_lazy("Call a webhook"), _clean_webhook, _run_webhook, False),
        ("wait", gettext_lazy("Wait"), _clean_wait, _engine_runs_it, True),
        ("stop", gettext_lazy("Stop"), _clean_stop, _engine_runs_it, True),
    ):
        register_action(ActionType(key, label, clean, run, transactional))


def wait_until(params: dict, record_type_key: str, record, now: datetime.datetime):
    """When a wait step ends: a moment, or None to go on at once (a date already past or
    empty)."""
    if "days" in params:
        return now + datetime.timedelta(days=params["days"])
    if "hours" in params:
        return now + datetime.timedelta(hours=params["hours"])
    if "until_field" in params:
        value = getattr(record, params["until_field"], None) if record is not None else None
        if value is None:
            return None
        if not isinstance(value, datetime.datetime):
            value = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        return value if value > now else None
    return now + datetime.timedelta(days=params["timeout_days"])


def in_language(user: User | None):
    return translation.override(getattr(user, "language", None) or "en")


__all__ = ["date_fields_of", "register", "wait_until"]
