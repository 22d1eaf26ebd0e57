"""Ready-made rules a new installation can switch on from the rules page.

Each is an ordinary rule (and, for the e-mail ones, an ordinary e-mail template written in
Chinese and English) created through the services the builder uses, so it can be edited, switched
off or deleted like any other. Switching one on twice does nothing the second time: the rule
carries the preset's key (`Rule.preset`, unique), and a template of the same name is reused.

The card's name and description are translated for the reader; the rule's own name, description
and task titles are written in the language of the administrator who switches it on.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import User
from rapport.automation.models import Rule
from rapport.automation.services import rule_create
from rapport.core.errors import Conflict, NotFound
from rapport.messaging.models import EmailTemplate
from rapport.messaging.services import email_template_create


@dataclass(frozen=True)
class PresetTemplate:
    name: str
    kind: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str


@dataclass(frozen=True)
class Preset:
    key: str
    name: str | Promise
    description: str | Promise
    trigger: dict
    conditions: dict
    # Actions; a send_email action's template_id is filled in with the preset's template.
    actions: list = field(default_factory=list)
    template: PresetTemplate | None = None
    # Task titles and other texts of the actions, translated when the rule is created.
    texts: dict = field(default_factory=dict)


_UNSUBSCRIBE_ZH = "\n\n不想再收到此类邮件？点此退订：{{ unsubscribe_url }}\n"
_UNSUBSCRIBE_EN = "\n\nNo longer want these e-mails? Unsubscribe: {{ unsubscribe_url }}\n"

PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        Preset(
            key="welcome_email",
            name=gettext_lazy("Welcome e-mail for a new customer"),
            description=gettext_lazy(
                "When a person with an e-mail address is added, send them a welcome e-mail "
                "signed by their owner."
            ),
            trigger={"type": "record_created", "record_type": "person"},
            conditions={
                "match": "all",
                "items": [{"field": "primary_email", "op": "is_not_empty"}],
            },
            actions=[{"type": "send_email"}],
            template=PresetTemplate(
                name="Welcome · 欢迎",
                kind="transactional",
                subject_zh="欢迎您，{{ person.name }}",
                body_zh=(
                    "{{ person.name }}，您好！\n\n感谢您选择我们。我是您的专属顾问"
                    "{{ owner.name }}，有任何问题都可以直接回复这封邮件。\n\n"
                    "祝好！\n{{ owner.name }}\n"
                ),
                subject_en="Welcome, {{ person.given_name }}",
                body_en=(
                    "Dear {{ person.given_name }},\n\nThank you for choosing us. I am "
                    "{{ owner.name }}, your contact here: just reply to this e-mail with any "
                    "question.\n\nBest regards,\n{{ owner.name }}\n"
                ),
            ),
        ),
        Preset(
            key="order_thank_you",
            name=gettext_lazy("Thank-you after a paid order"),
            description=gettext_lazy(
                "When an order's status becomes paid, send the customer a thank-you e-mail."
            ),
            trigger={"type": "record_updated", "record_type": "order", "fields": ["status"]},
            conditions={
                "match": "all",
                "items": [{"field": "status", "op": "eq", "value": "paid"}],
            },
            actions=[{"type": "send_email"}],
            template=PresetTemplate(
                name="Thank you for your order · 感谢惠顾",
                kind="transactional",
                subject_zh="感谢您的订单，{{ person.name }}",
                body_zh=(
                    "{{ person.name }}，您好！\n\n我们已收到您的付款，感谢您的信任。订单发货后"
                    "我们会再通知您。\n\n{{ owner.name }}\n"
                ),
                subject_en="Thank you for your order, {{ person.given_name }}",
                body_en=(
                    "Dear {{ person.given_name }},\n\nWe have received your payment: thank you "
                    "for your trust. We will let you know when your order ships.\n\n"
                    "{{ owner.name }}\n"
                ),
            ),
        ),
        Preset(
            key="birthday_greeting",
            name=gettext_lazy("Birthday greeting"),
            description=gettext_lazy(
                "On each person's birthday, every year, send them a birthday greeting."
            ),
            trigger={
                "type": "date_reached",
                "record_type": "person",
                "field": "birthday",
                "offset_days": 0,
                "yearly": True,
            },
            conditions={"match": "all", "items": []},
            actions=[{"type": "send_email"}],
            template=PresetTemplate(
                name="Birthday greeting · 生日祝福",
                kind="marketing",
                subject_zh="{{ person.name }}，生日快乐！",
                body_zh=(
                    "{{ person.name }}，您好！\n\n今天是您的生日，祝您生日快乐，万事如意！\n\n"
                    "{{ owner.name }}" + _UNSUBSCRIBE_ZH
                ),
                subject_en="Happy birthday, {{ person.given_name }}!",
                body_en=(
                    "Dear {{ person.given_name }},\n\nHappy birthday from all of us! We wish you "
                    "a wonderful year.\n\n{{ owner.name }}" + _UNSUBSCRIBE_EN
                ),
            ),
        ),
        Preset(
            key="stalled_deal_follow_up",
            name=gettext_lazy("Follow-up task when a deal stalls"),
            description=gettext_lazy(
                "When an open deal has stayed 14 days in the same stage, give its owner a task "
                "to follow it up."
            ),
            trigger={
                "type": "date_reached",
                "record_type": "deal",
                "field": "stage_entered_at",
                "offset_days": 14,
                "yearly": False,
            },
            conditions={
                "match": "all",
                "items": [{"field": "status", "op": "eq", "value": "open"}],
            },
            actions=[{"type": "create_task", "due_in_days": 2, "assignee": "owner"}],
            texts={"title": gettext_lazy("Follow up the stalled deal")},
        ),
        Preset(
            key="win_back",
            name=gettext_lazy("Win-back e-mail after 180 days without an order"),
            description=gettext_lazy(
                "When a customer who has ordered before has placed no order for 180 days, send "
                "them an e-mail to win them back."
            ),
            trigger={"type": "inactivity", "of": "order", "days": 180},
            conditions={
                "match": "all",
                "items": [{"field": "orders.count", "op": "gte", "value": 1}],
            },
            actions=[{"type": "send_email"}],
            template=PresetTemplate(
                name="We miss you · 好久不见",
                kind="marketing",
                subject_zh="{{ person.name }}，好久不见",
                body_zh=(
                    "{{ person.name }}，您好！\n\n好久没有见到您了，我们推出了不少新产品，"
                    "欢迎回来看看。如有需要，请直接回复这封邮件。\n\n{{ owner.name }}"
                    + _UNSUBSCRIBE_ZH
                ),
                subject_en="We miss you, {{ person.given_name }}",
                body_en=(
                    "Dear {{ person.given_name }},\n\nIt has been a while since your last order. "
                    "We have much that is new: come and have a look, or simply reply to this "
                    "e-mail.\n\n{{ owner.name }}" + _UNSUBSCRIBE_EN
                ),
            ),
        ),
    )
}


def _template_for(actor: User, preset: Preset) -> EmailTemplate:
    spec = preset.template
    existing = EmailTemplate.objects.filter(name=spec.name).first()
    if existing is not None:
        return existing
    return email_template_create(
        actor=actor,
        data={
            "name": spec.name,
            "description": str(preset.name),
            "kind": spec.kind,
            "subject_zh": spec.subject_zh,
            "body_zh": spec.body_zh,
            "subject_en": spec.subject_en,
            "body_en": spec.body_en,
        },
    )


def preset_rule_data(preset: Preset, *, template_id: int | None) -> dict:
    actions = []
    for action in preset.actions:
        action = dict(action)
        if action["type"] == "send_email":
            action["template_id"] = template_id
        for key, text in preset.texts.items():
            action.setdefault(key, str(text))
        actions.append(action)
    return {
        "name": str(preset.name),
        "description": str(preset.description),
        "is_active": True,
        "trigger": dict(preset.trigger),
        "conditions": preset.conditions,
        "actions": actions,
    }


def preset_switch_on(*, actor: User, key: str) -> Rule:
    """Create the ready-made rule `key` (and its e-mail template), switched on; the rule
    already created from it when it was switched on before."""
    preset = PRESETS.get(key)
    if preset is None:
        raise NotFound(_("There is no such ready-made rule."))
    existing = Rule.objects.filter(preset=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            template = _template_for(actor, preset) if preset.template else None
            return rule_create(
                actor=actor,
                data=preset_rule_data(preset, template_id=template.pk if template else None),
                preset=key,
            )
    except IntegrityError as exc:
        # Switched on at the same moment from another page: that one won.
        existing = Rule.objects.filter(preset=key).first()
        if existing is None:
            raise Conflict(_("The rule could not be switched on; please try again.")) from exc
        return existing
