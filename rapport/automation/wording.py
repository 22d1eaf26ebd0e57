"""A rule's definition in words, for the rules list and the rule's page.

The definition is the JSON of var/interfaces-15.md (trigger, conditions, actions); these functions
turn it into sentences in the reader's language. The names behind ids (stages, e-mail templates,
teams, users) come from one `Names` built for all the rules of a page, so a list of rules costs a
query per kind of name, not per rule. A definition that names something deleted since reads
"(deleted)" rather than failing: the page must still open to let the rule be repaired.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from rapport.accounts.models import Team
from rapport.automation.catalogue import OPERATORS, field_label, record_type_label
from rapport.messaging.models import EmailTemplate
from rapport.sales.models import Stage


class _Sentence(str):
    """A translated sentence whose `%` escapes the values it is filled with and gives safe
    HTML, so that data wrapped by `_data` keeps its `translate="no"` mark."""

    def __mod__(self, values):
        escaped = {key: conditional_escape(value) for key, value in values.items()}
        return mark_safe(conditional_escape(str(self)) % escaped)  # noqa: S308 (all escaped)


def _(message: str) -> _Sentence:
    return _Sentence(gettext(message))


def ngettext(singular: str, plural: str, number: int) -> _Sentence:
    return _Sentence(translation.ngettext(singular, plural, number))


def _data(value) -> SafeString:
    """A value typed by a person (a template's name, a tag, a task title): shown as it is, in
    whatever language it was written, so the page check does not take it for chrome."""
    return format_html('<span translate="no">{}</span>', value)


@dataclass
class Names:
    stages: dict[int, str] = field(default_factory=dict)
    templates: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)

    @classmethod
    def for_rules(cls, rules) -> "Names":
        """The names the definitions of `rules` refer to, read with one query per kind."""
        stage_ids, template_ids, team_ids, user_ids = set(), set(), set(), set()
        for rule in rules:
            trigger = rule.trigger or {}
            if _int(trigger.get("stage_id")) is not None:
                stage_ids.add(_int(trigger.get("stage_id")))
            if _int(trigger.get("template_id")) is not None:
                template_ids.add(_int(trigger.get("template_id")))
            for action in rule.actions or []:
                if not isinstance(action, dict):
                    continue
                for key, ids in (("template_id", template_ids), ("team_id", team_ids)):
                    if _int(action.get(key)) is not None:
                        ids.add(_int(action.get(key)))
                if _int(action.get("assignee")) is not None:
                    user_ids.add(_int(action.get("assignee")))
                if isinstance(action.get("users"), list):
                    user_ids.update(i for i in map(_int, action["users"]) if i is not None)
        names = cls()
        if stage_ids:
            names.stages = {
                s.pk: f"{s.pipeline.name} · {s.name}"
                for s in Stage.objects.select_related("pipeline").filter(pk__in=stage_ids)
            }
        if template_ids:
            names.templates = dict(
                EmailTemplate.objects.filter(pk__in=template_ids).values_list("pk", "name")
            )
        if team_ids:
            names.teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if user_ids:
            names.users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
        return names


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _named(mapping: dict[int, str], value) -> str:
    key = _int(value)
    if key is None:
        return gettext("(none)")
    name = mapping.get(key)
    return _data(name) if name else gettext("(deleted)")


def _list(values) -> SafeString:
    separator = conditional_escape(gettext(", "))
    return mark_safe(separator.join(conditional_escape(v) for v in values))  # noqa: S308


# --- Triggers ------------------------------------------------------------------------------------


def describe_trigger(trigger: dict, names: Names) -> str:
    trigger = trigger if isinstance(trigger, dict) else {}
    kind = trigger.get("type")
    record = record_type_label(trigger.get("record_type", ""))
    if kind == "record_created":
        return _("%(record)s created") % {"record": record}
    if kind == "record_updated":
        fields = [
            field_label(trigger.get("record_type", ""), f) for f in trigger.get("fields") or []
        ]
        if fields:
            return _("%(record)s: %(fields)s changed") % {
                "record": record,
                "fields": _list(fields),
            }
        return _("%(record)s updated") % {"record": record}
    if kind == "stage_reached":
        return _("When a deal reaches the stage %(stage)s") % {
            "stage": _named(names.stages, trigger.get("stage_id"))
        }
    if kind in ("email_opened", "email_clicked", "email_replied"):
        template = trigger.get("template_id")
        if _int(template) is None:
            return {
                "email_opened": _("When a person opens an e-mail"),
                "email_clicked": _("When a person clicks a link in an e-mail"),
                "email_replied": _("When a person replies to an e-mail"),
            }[kind]
        name = _named(names.templates, template)
        return {
            "email_opened": _("When a person opens the e-mail “%(template)s”"),
            "email_clicked": _("When a person clicks a link in the e-mail “%(template)s”"),
            "email_replied": _("When a person replies to the e-mail “%(template)s”"),
        }[kind] % {"template": name}
    if kind == "event_received":
        return _("When the event “%(event)s” is received") % {
            "event": _data(trigger.get("event_name", ""))
        }
    if kind == "date_reached":
        date = field_label(trigger.get("record_type", ""), trigger.get("field", ""))
        days = _int(abs(trigger.get("offset_days") or 0)) or 0
        if not days:
            when = _("%(record)s: on the day of “%(date)s”") % {"record": record, "date": date}
        elif (trigger.get("offset_days") or 0) < 0:
            when = ngettext(
                "%(record)s: %(days)s day before “%(date)s”",
                "%(record)s: %(days)s days before “%(date)s”",
                days,
            ) % {"days": days, "record": record, "date": date}
        else:
            when = ngettext(
                "%(record)s: %(days)s day after “%(date)s”",
                "%(record)s: %(days)s days after “%(date)s”",
                days,
            ) % {"days": days, "record": record, "date": date}
        if trigger.get("yearly"):
            return _("%(when)s, every year") % {"when": when}
        return when
    if kind == "inactivity":
        days = _int(trigger.get("days")) or 0
        if trigger.get("of") == "order":
            return ngettext(
                "When a person has placed no order for %(days)s day",
                "When a person has placed no order for %(days)s days",
                days,
            ) % {"days": days}
        return ngettext(
            "When a person has had no interaction for %(days)s day",
            "When a person has had no interaction for %(days)s days",
            days,
        ) % {"days": days}
    if kind == "schedule":
        return _("%(schedule)s, for the records: %(record)s") % {
            "schedule": describe_cron(trigger.get("cron", "")) or _data(trigger.get("cron", "")),
            "record": record,
        }
    return _("Unknown trigger")


# --- Schedules -----------------------------------------------------------------------------------

_PART = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?$")


def _parse_cron_part(text: str, low: int, high: int) -> list[int] | None:
    """The values one cron field stands for; None when it is not valid."""
    values: set[int] = set()
    for piece in text.split(","):
        if not _PART.match(piece):
            return None
        base, _sep, step_text = piece.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            return None
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = end = int(base)
            if step_text:
                end = high
        if not (low <= start <= end <= high):
            return None
        values.update(range(start, end + 1, step))
    return sorted(values)


def _weekday_names() -> list[str]:
    return [
        _("Sunday"),
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
    ]


def describe_cron(cron: str) -> str | None:
    """A five-field cron schedule ("m h dom mon dow") in words; None when it is not valid."""
    parts = (cron or "").split()
    if len(parts) != 5:
        return None
    limits = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
    parsed = [_parse_cron_part(p, lo, hi) for p, (lo, hi) in zip(parts, limits, strict=True)]
    if any(p is None for p in parsed):
        return None
    minutes, hours, days, months, weekdays = parsed
    minute_text, hour_text, day_text, month_text, weekday_text = parts

    if minute_text.startswith("*/") and hour_text == "*":
        time = ngettext("every minute", "every %(n)s minutes", int(minute_text[2:])) % {
            "n": int(minute_text[2:])
        }
    elif minute_text == "*" and hour_text == "*":
        time = ngettext("every minute", "every %(n)s minutes", 1) % {"n": 1}
    elif hour_text == "*" and len(minutes) == 1:
        time = _("every hour at minute %(minute)s") % {"minute": minutes[0]}
    elif len(minutes) * len(hours) <= 6:
        time = _("at %(times)s") % {
            "times": _list(f"{h:02d}:{m:02d}" for h in hours for m in minutes)
        }
    else:
        time = _("at minutes %(minutes)s of the hours %(hours)s") % {
            "minutes": _list(minutes),
            "hours": _list(hours),
        }

    names = _weekday_names()
    if weekday_text != "*":
        days_words = _("every %(weekdays)s") % {
            "weekdays": _list(dict.fromkeys(names[d % 7] for d in weekdays))
        }
    elif day_text != "*":
        days_words = _("on day %(days)s of the month") % {"days": _list(days)}
    else:
        days_words = pgettext("schedule", "every day")
    if month_text != "*":
        days_words = _("%(days)s in months %(months)s") % {
            "days": days_words,
            "months": _list(months),
        }
    return _("%(days)s, %(time)s") % {"days": days_words, "time": time}


# --- Conditions ----------------------------------------------------------------------------------


def _value_text(value) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return _list(_data(v) for v in value)
    return _data(value)


def describe_condition(record_type: str, item: dict) -> str:
    label = field_label(record_type, item.get("field", ""))
    op = item.get("op", "")
    op_label = OPERATORS.get(op, op)
    if op in ("is_empty", "is_not_empty"):
        return _("%(field)s %(op)s") % {"field": label, "op": op_label}
    return _("%(field)s %(op)s %(value)s") % {
        "field": label,
        "op": op_label,
        "value": _value_text(item.get("value", "")),
    }


def describe_conditions(record_type: str, conditions: dict) -> list[str]:
    """One line per condition; a nested group as one line in brackets."""
    conditions = conditions if isinstance(conditions, dict) else {}
    lines = []
    for item in conditions.get("items") or []:
        if not isinstance(item, dict):
            continue
        if "items" in item:
            inner = [
                describe_condition(record_type, sub)
                for sub in item.get("items") or []
                if isinstance(sub, dict)
            ]
            joiner = _(" or ") if item.get("match") == "any" else _(" and ")
            lines.append("(" + joiner.join(inner) + ")")
        else:
            lines.append(describe_condition(record_type, item))
    return lines


def conditions_match_words(conditions: dict) -> str:
    if (conditions or {}).get("match") == "any":
        return _("Any of these holds:")
    return _("All of these hold:")


# --- Actions -------------------------------------------------------------------------------------


def describe_action(record_type: str, action: dict, names: Names) -> str:
    action = action if isinstance(action, dict) else {}
    kind = action.get("type")
    if kind == "send_email":
        return _("Send the e-mail “%(template)s”") % {
            "template": _named(names.templates, action.get("template_id"))
        }
    if kind == "create_task":
        assignee = action.get("assignee")
        who = (
            _("the record's owner")
            if assignee in (None, "", "owner")
            else _named(names.users, assignee)
        )
        days = _int(action.get("due_in_days")) or 0
        return ngettext(
            "Create the task “%(title)s” for %(who)s, due in %(days)s day",
            "Create the task “%(title)s” for %(who)s, due in %(days)s days",
            days,
        ) % {"title": _data(action.get("title", "")), "who": who, "days": days}
    if kind == "assign":
        method = _("least loaded") if action.get("method") == "least_loaded" else _("round robin")
        return _("Assign to the team %(team)s (%(method)s)") % {
            "team": _named(names.teams, action.get("team_id")),
            "method": method,
        }
    if kind == "set_field":
        return _("Set %(field)s to %(value)s") % {
            "field": field_label(record_type, action.get("field", "")),
            "value": _value_text(action.get("value", "")),
        }
    if kind == "add_tag":
        return _("Add the tag %(tag)s") % {"tag": _data(action.get("tag", ""))}
    if kind == "remove_tag":
        return _("Remove the tag %(tag)s") % {"tag": _data(action.get("tag", ""))}
    if kind == "notify":
        users = action.get("users")
        if users == "owner":
            who = _("the record's owner")
        elif users == "team_managers":
            who = _("the team's managers")
        elif isinstance(users, list):
            who = _list(_named(names.users, u) for u in users)
        else:
            who = _("(none)")
        return _("Notify %(who)s: %(message)s") % {
            "who": who,
            "message": _data(action.get("message", "")),
        }
    if kind == "webhook":
        return _("Call the webhook %(url)s") % {"url": _data(action.get("url", ""))}
    if kind == "wait":
        if action.get("until_event"):
            return ngettext(
                "Wait for the event “%(event)s”, at most %(days)s day",
                "Wait for the event “%(event)s”, at most %(days)s days",
                _int(action.get("timeout_days")) or 0,
            ) % {
                "event": _data(action["until_event"]),
                "days": _int(action.get("timeout_days")) or 0,
            }
        if action.get("until_field"):
            return _("Wait until the %(field)s") % {
                "field": field_label(record_type, action["until_field"])
            }
        if action.get("hours"):
            hours = _int(action.get("hours")) or 0
            return ngettext("Wait %(n)s hour", "Wait %(n)s hours", hours) % {"n": hours}
        days = _int(action.get("days")) or 0
        return ngettext("Wait %(n)s day", "Wait %(n)s days", days) % {"n": days}
    if kind == "stop":
        return _("Stop")
    return _("Unknown action")
