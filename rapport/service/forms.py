"""HTML forms of the service pages. They only shape the browser's input into the `data` the
services take; the services check every rule, and their `ValidationFailed` details come back
next to the inputs (`rapport.core.forms.ServiceErrorsMixin`)."""

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.accounts.models import Team, User
from rapport.core.forms import ServiceErrorsMixin
from rapport.customers.models import Tag
from rapport.service.models import (
    AssignmentMethod,
    RootCause,
    TicketChannel,
    TicketPriority,
    TicketType,
)
from rapport.service.selectors import categories_tree
from rapport.service.selectors_pages import categories_all
from rapport.service.services.complaints import GoodwillKind

MENTIONS_URL = reverse_lazy("activities:mention_suggestions")
LANGUAGE_CHOICES = settings.LANGUAGES  # named in the reader's language
# The channels an agent records a ticket from by hand.
AGENT_CHANNELS = (TicketChannel.AGENT, TicketChannel.PHONE)


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


def _text(label, name, *, textarea=False, rows=3, **attrs):
    widget = (
        forms.Textarea(attrs={"rows": rows, **_testid(name), **attrs})
        if textarea
        else forms.TextInput(attrs={**_testid(name), **attrs})
    )
    return forms.CharField(label=label, required=False, widget=widget, strip=False)


def _attrs_html(attrs: dict) -> str:
    """Django's `django/forms/widgets/attrs.html`, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class FlatSelect(forms.Select):
    """A select written in Python instead of Django's templates (two `{% include %}`s per
    option, then a template of its own per select): the same HTML, byte for byte
    (`templates/service/widgets/select.html` is that HTML as a template, kept as the reference
    the tests compare with). The ticket page's selects (the category tree, the team's agents,
    the queues) were most of its includes, then 2 ms of its CPU as templates
    (docs/benchmarks.md, "Service at scale"). A select's option has no attribute but `selected`
    (`Select.option_inherits_attrs` is False)."""

    template_name = "service/widgets/select.html"

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        esc = conditional_escape
        html = [f'<select name="{esc(widget["name"])}"{_attrs_html(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{esc(group_name)}">')
            for option in options:
                selected = " selected" if option["selected"] else ""
                html.append(
                    f'\n  <option value="{esc(str(option["value"]))}"{selected}>'
                    f"{esc(option['label'])}</option>\n"
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 -- every value above is escaped


class FlatCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """`FlatSelect`'s reason, for checkboxes (the ticket page's tags); the same HTML as
    `templates/service/widgets/checkbox_select.html`."""

    template_name = "service/widgets/checkbox_select.html"

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        esc = conditional_escape
        html = ["<div"]
        if widget["attrs"].get("id"):
            html.append(f' id="{esc(widget["attrs"]["id"])}"')
        if widget["attrs"].get("class"):
            html.append(f' class="{esc(widget["attrs"]["class"])}"')
        html.append(">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f"\n  <div><label>{esc(group_name)}</label>")
            for option in options:
                html.append("<div>\n    ")
                if option["wrap_label"]:
                    label_for = option["attrs"].get("id")
                    html.append(f'<label for="{esc(label_for)}">' if label_for else "<label>")
                html.append(f'<input type="{esc(option["type"])}" name="{esc(option["name"])}"')
                if option["value"] is not None:
                    html.append(f' value="{esc(str(option["value"]))}"')
                html.append(f"{_attrs_html(option['attrs'])}>\n")
                if option["wrap_label"]:
                    html.append(f" {esc(option['label'])}</label>")
                html.append("\n\n</div>")
            if group_name:
                html.append("\n  </div>")
        html.append("\n</div>")
        return mark_safe("".join(html))  # noqa: S308 -- every value above is escaped


def _choice(label, choices, name):
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=FlatSelect(attrs=_testid(name))
    )


def category_choices(*, everything: bool = False) -> list[tuple[str, str]]:
    """The category tree as a flat choice list, children indented under their parents."""
    rows = categories_all() if everything else categories_tree()
    return [(str(c.pk), "\u2003" * depth + c.name) for c, depth in rows]


def team_choices() -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in Team.objects.order_by("name")]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their number and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs=_testid("attachments")))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [data] if data else []


# --- Tickets -----------------------------------------------------------------------------------


class TicketForm(ServiceErrorsMixin, forms.Form):
    """A ticket an agent opens: from the list, a customer's or an order's page, or a call."""

    error_aliases = {"person_id": "customer", "company_id": "customer", "order_id": "customer"}

    subject = _text(_("Subject"), "subject", maxlength=300)
    body = _text(_("What the customer said"), "body", textarea=True, rows=6)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in AGENT_CHANNELS],
        initial=TicketChannel.AGENT,
        widget=forms.Select(attrs=_testid("channel")),
    )
    type = _choice(_("Type"), TicketType.choices, "type")
    priority = _choice(_("Priority"), TicketPriority.choices, "priority")
    customer = forms.CharField(
        label=_("Customer"), required=False, widget=forms.Select(attrs=_testid("customer"))
    )
    order_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    requester_email = _text(_("Requester's e-mail"), "requester-email")
    requester_name = _text(_("Requester's name"), "requester-name")
    attachments = MultipleFileField(label=_("Attachments"))

    FIELD_ORDER = (
        "subject",
        "channel",
        "customer",
        "body",
        "type",
        "priority",
        "category_id",
        "team_id",
        "assignee_id",
        "requester_name",
        "requester_email",
        "attachments",
        "order_id",
    )

    def __init__(self, *args, actor: User, customer_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_label = customer_label
        self.fields["category_id"] = _choice(
            _("Category"), [("", "—"), *category_choices()], "category"
        )
        self.fields["team_id"] = _choice(
            _("Queue"),
            [("", _("Chosen by the assignment rules")), *team_choices()],
            "team",
        )
        self.fields["assignee_id"] = _choice(
            _("Assignee"),
            [("", _("Chosen by the assignment rules")), ("me", _("Me"))],
            "assignee",
        )
        self.actor = actor
        self.order_fields(self.FIELD_ORDER)

    def customer_ids(self) -> dict:
        kind, _sep, pk = (self.cleaned_data.get("customer") or "").partition(":")
        if kind in ("person", "company") and pk.isdigit():
            return {f"{kind}_id": int(pk)}
        return {}

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {
            "subject": cleaned["subject"],
            "body": cleaned["body"],
            "type": cleaned["type"],
            "priority": cleaned["priority"],
            "category_id": cleaned["category_id"] or None,
            "team_id": cleaned["team_id"] or None,
            "assignee_id": self.actor.pk if cleaned["assignee_id"] == "me" else None,
            "requester_email": cleaned["requester_email"],
            "requester_name": cleaned["requester_name"],
            **self.customer_ids(),
        }
        if cleaned.get("order_id"):
            data["order_id"] = cleaned["order_id"]
        return data


class TicketEditForm(ServiceErrorsMixin, forms.Form):
    subject = _text(_("Subject"), "subject", maxlength=300)
    type = _choice(_("Type"), TicketType.choices, "type")
    priority = _choice(_("Priority"), TicketPriority.choices, "priority")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        choices = category_choices()
        if ticket.category_id and str(ticket.category_id) not in dict(choices):
            # An inactive category stays the ticket's until someone changes it.
            choices.append((str(ticket.category_id), str(ticket.category)))
        self.fields["category_id"] = _choice(_("Category"), [("", "—"), *choices], "category")
        if not self.is_bound:
            self.initial.update(
                subject=ticket.subject,
                type=ticket.type,
                priority=ticket.priority,
                category_id=str(ticket.category_id or ""),
                version=ticket.version,
            )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "subject": cleaned["subject"],
            "type": cleaned["type"],
            "priority": cleaned["priority"],
            "category_id": cleaned["category_id"] or None,
        }


class ReplyForm(ServiceErrorsMixin, forms.Form):
    """A public reply or an internal note (`kind`), with files."""

    kind = forms.ChoiceField(
        choices=[("reply", _("Reply")), ("note", _("Internal note"))],
        initial="reply",
        widget=forms.HiddenInput,
    )
    body = _text(
        _("Message"),
        "reply-body",
        textarea=True,
        rows=6,
        **{"data-mentions": MENTIONS_URL, "id": "reply-body"},
    )
    attachments = MultipleFileField(label=_("Attachments"))


class StatusForm(ServiceErrorsMixin, forms.Form):
    """The status buttons; a complaint's root cause and what was done go with closing it."""

    # The status is the button pressed: a refusal about it is shown above the form.
    error_aliases = {"status": "__all__"}

    status = forms.CharField(required=False, widget=forms.HiddenInput)
    root_cause = _choice(_("Root cause"), [("", "—"), *RootCause.choices], "root-cause")
    resolution = _text(_("What was done"), "resolution", textarea=True, rows=3)
    goodwill_kind = _choice(
        _("Goodwill gesture"), [("", "—"), *GoodwillKind.choices], "goodwill-kind"
    )
    goodwill = _text(_("Goodwill gesture: what was offered"), "goodwill", textarea=True, rows=2)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(
                root_cause=ticket.root_cause, resolution=ticket.resolution, version=ticket.version
            )


class AssignForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, ticket, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"] = _choice(
            _("Assignee"),
            [("", _("Nobody (in the queue)")), *[(str(a.pk), str(a)) for a in agents]],
            "assignee",
        )
        self.fields["team_id"] = _choice(
            _("Queue"), [("", _("No team")), *team_choices()], "assign-team"
        )
        if not self.is_bound:
            self.initial.update(
                assignee_id=str(ticket.assignee_id or ""), team_id=str(ticket.team_id or "")
            )


class MergeForm(ServiceErrorsMixin, forms.Form):
    error_aliases = {"target_id": "target"}

    target = forms.CharField(
        label=_("Merge into ticket"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "T-000123", **_testid("merge-target")}),
    )


class BulkAssignForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_id"] = _choice(
            _("Give to"),
            [("", _("Nobody (back to the queue)")), *[(str(a.pk), str(a)) for a in agents]],
            "bulk-assignee",
        )


# --- Settings ----------------------------------------------------------------------------------


class CategoryForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "category-name", maxlength=100)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent_id"] = _choice(
            _("Parent category"),
            [("", _("None (top level)")), *category_choices(everything=True)],
            "category-parent",
        )
        if instance is not None and not self.is_bound:
            self.initial.update(
                name=instance.name,
                position=instance.position,
                is_active=instance.is_active,
                parent_id=str(instance.parent_id or ""),
            )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "name": cleaned["name"],
            "parent_id": cleaned["parent_id"] or None,
            "position": cleaned["position"] or 0,
            "is_active": cleaned["is_active"],
        }


class CannedReplyForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "canned-name", maxlength=100)
    body = _text(_("Text"), "canned-body", textarea=True, rows=8)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor: User, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.is_administrator:
            teams = [("", _("Everyone")), *team_choices()]
        else:
            teams = [(str(actor.team_id), str(actor.team))] if actor.team_id else []
        self.fields["team_id"] = _choice(_("Shared with"), teams, "canned-team")
        if instance is not None and not self.is_bound:
            self.initial.update(
                name=instance.name,
                body=instance.body,
                is_active=instance.is_active,
                team_id=str(instance.team_id or ""),
            )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "name": cleaned["name"],
            "body": cleaned["body"],
            "team_id": cleaned["team_id"] or None,
            "is_active": cleaned["is_active"],
        }


class AssignmentRuleForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "rule-name", maxlength=100)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    channel = _choice(_("Channel"), [("", _("Any")), *TicketChannel.choices], "rule-channel")
    type = _choice(_("Type"), [("", _("Any")), *TicketType.choices], "rule-type")
    priority = _choice(_("Priority"), [("", _("Any")), *TicketPriority.choices], "rule-priority")
    language = _choice(
        pgettext_lazy("ticket", "Language"), [("", _("Any")), *LANGUAGE_CHOICES], "rule-language"
    )
    keywords = _text(
        _("Keywords"),
        "rule-keywords",
        textarea=True,
        rows=2,
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=AssignmentMethod.choices,
        widget=forms.Select(attrs=_testid("rule-method")),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keywords"].help_text = _(
            "Separated by commas or lines; any one in the subject or the first message matches."
        )
        self.fields["category_id"] = _choice(
            _("Category"), [("", _("Any")), *category_choices()], "rule-category"
        )
        tags = Tag.objects.order_by("name")[:500]
        self.fields["customer_tag_id"] = _choice(
            _("Customer tag"), [("", _("Any")), *[(str(t.pk), t.name) for t in tags]], "rule-tag"
        )
        self.fields["team_id"] = _choice(_("Team"), [("", "—"), *team_choices()], "rule-team")
        if instance is not None and not self.is_bound:
            for name in (
                "name",
                "position",
                "channel",
                "type",
                "priority",
                "language",
                "keywords",
                "method",
                "is_active",
            ):
                self.initial[name] = getattr(instance, name)
            for name in ("category_id", "customer_tag_id", "team_id"):
                self.initial[name] = str(getattr(instance, name) or "")

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {name: cleaned[name] for name in ("name", "channel", "type", "priority")}
        data.update(
            position=cleaned["position"] or 0,
            language=cleaned["language"],
            keywords=cleaned["keywords"],
            method=cleaned["method"],
            is_active=cleaned["is_active"],
            category_id=cleaned["category_id"] or None,
            customer_tag_id=cleaned["customer_tag_id"] or None,
            team_id=cleaned["team_id"] or None,
        )
        return data


class AgentProfileForm(ServiceErrorsMixin, forms.Form):
    skills = _text(_("Skills"), "agent-skills")
    languages = forms.MultipleChoiceField(
        label=pgettext_lazy("agent", "Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=_testid("agent-languages")),
    )
    is_away = forms.BooleanField(label=_("Away"), required=False)
    signature = _text(_("Reply signature"), "agent-signature", textarea=True, rows=4)

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].help_text = _("Separated by commas, e.g. “billing, screen”.")
        self.fields["signature"].help_text = _(
            "Plain text under your e-mailed replies, at most 8 lines. Empty: your name and team."
        )
        if profile is not None and not self.is_bound:
            self.initial.update(
                skills=", ".join(profile.skills),
                languages=list(profile.languages),
                is_away=profile.is_away,
                signature=profile.signature,
            )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "skills": cleaned["skills"],
            "languages": list(cleaned["languages"]),
            "is_away": cleaned["is_away"],
            "signature": cleaned["signature"],
        }
