"""HTML forms for leads, their actions, the lead settings and the public web-to-lead form.

As for customers, the forms only shape the browser's input into the `data` the services take;
the services check every rule and their `ValidationFailed.details` are put back on the fields.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.access import assignable_owners
from rapport.accounts.models import Role, Team, User
from rapport.activities.models import Channel
from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.customers.models import SourceChannel
from rapport.customers.validation import format_phone
from rapport.sales.models import (
    AssignmentMethod,
    Lead,
    LeadStatus,
    Pipeline,
    Product,
    ScoringRuleKind,
)
from rapport.sales.services.leads import HONEYPOT_FIELD


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


def _text(label, name, *, textarea=False, **attrs):
    widget = (
        forms.Textarea(attrs={"rows": 3, **_testid(name), **attrs})
        if textarea
        else forms.TextInput(attrs={**_testid(name), **attrs})
    )
    return forms.CharField(label=label, required=False, widget=widget)


def _choice(label, choices, name):
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=forms.Select(attrs=_testid(name))
    )


def owner_choices(actor: User) -> list[tuple[str, str]]:
    """Who the actor may give a lead to: `assignable_owners`, the rule of every record."""
    return [(str(u.pk), str(u)) for u in assignable_owners(actor)]


def pipeline_choices() -> list[tuple[str, str]]:
    return [(str(p.pk), p.name) for p in Pipeline.objects.filter(is_active=True)]


# --- Leads ---------------------------------------------------------------------------------------

PLAIN_FIELDS = (
    "full_name",
    "company_name",
    "job_title",
    "phone",
    "email",
    "region",
    "city",
    "source",
    "campaign",
    "budget",
    "message",
)


class LeadEditForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    """Create (with an owner or assignment by rules) or edit a lead."""

    full_name = _text(_("Name"), "full_name")
    company_name = _text(_("Company"), "company_name")
    job_title = _text(_("Job title"), "job_title")
    phone = _text(_("Phone"), "phone", type="tel")
    email = _text(_("Email"), "email", type="email")
    region = _text(_("Region"), "region")
    city = _text(_("City"), "city")
    source = _choice(_("Source"), SourceChannel.choices, "source")
    campaign = _text(_("Campaign"), "campaign")
    budget = _text(_("Budget"), "budget", inputmode="decimal")
    message = _text(_("Inquiry"), "message", textarea=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor: User, instance: Lead | None = None, **kwargs):
        self.actor = actor
        self.instance = instance
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("name")[:200]
        self.fields["product_interest_id"] = _choice(
            _("Product interest"),
            [("", "—"), *[(str(p.pk), p.name) for p in products]],
            "product_interest_id",
        )
        if instance is None:
            self.fields["owner_id"] = _choice(
                _("Owner"), [("", _("Me")), *owner_choices(actor)], "owner_id"
            )
            if actor.is_administrator or actor.role == Role.SALES_MANAGER:
                self.fields["auto_assign"] = forms.BooleanField(
                    label=_("Assign by the assignment rules"),
                    required=False,
                    widget=forms.CheckboxInput(attrs=_testid("auto_assign")),
                )
            if not self.is_bound:
                self.initial["source"] = SourceChannel.OTHER
        else:
            # Disqualifying needs a reason: it has its own action. A disqualified lead shows its
            # status here, and choosing an open one reopens it.
            statuses = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED]
            if instance.status == LeadStatus.DISQUALIFIED:
                statuses.append(LeadStatus.DISQUALIFIED)
            self.fields["status"] = _choice(
                _("Status"), [(s.value, s.label) for s in statuses], "status"
            )
            if not self.is_bound:
                self._initial_from(instance)

    def _initial_from(self, lead: Lead) -> None:
        for field in PLAIN_FIELDS:
            value = getattr(lead, field)
            self.initial[field] = "" if value is None else value
        self.initial["phone"] = format_phone(lead.phone) if lead.phone else ""
        self.initial["product_interest_id"] = str(lead.product_interest_id or "")
        self.initial["status"] = lead.status
        self.initial["version"] = lead.version

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {field: cleaned.get(field) or "" for field in PLAIN_FIELDS}
        data["budget"] = cleaned.get("budget") or None
        data["product_interest_id"] = cleaned.get("product_interest_id") or None
        if self.instance is None:
            if cleaned.get("auto_assign"):
                data["auto_assign"] = True
            elif cleaned.get("owner_id"):
                data["owner_id"] = int(cleaned["owner_id"])
        elif cleaned.get("status") and cleaned["status"] != self.instance.status:
            data["status"] = cleaned["status"]
        return data


class LeadEventForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[("note", _("Note")), ("contact", _("Contact"))],
        widget=forms.Select(attrs=_testid("event-kind")),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", "—"), *[(c.value, c.label) for c in Channel if c != Channel.NOTE]],
        widget=forms.Select(attrs=_testid("event-channel")),
    )
    body = _text(_("Details"), "event-body", textarea=True)


class DisqualifyForm(ServiceErrorsMixin, forms.Form):
    reason = _text(_("Reason"), "disqualify-reason", maxlength=200)


class AssignForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"] = forms.ChoiceField(
            label=_("Owner"),
            choices=owner_choices(actor),
            widget=forms.Select(attrs=_testid("assign-owner")),
        )


class ConvertForm(ServiceErrorsMixin, forms.Form):
    create_deal = forms.BooleanField(
        label=_("Create a deal"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"x-model": "deal", **_testid("convert-create-deal")}),
    )
    title = _text(_("Deal title"), "deal-title")
    amount = _text(_("Amount"), "deal-amount", inputmode="decimal")
    expected_close_date = forms.CharField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_testid("deal-close-date")}),
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        pipelines = pipeline_choices()
        if len(pipelines) > 1:
            self.fields["pipeline_id"] = _choice(
                _("Pipeline"), [("", _("Default")), *pipelines], "deal-pipeline"
            )
        if not self.is_bound:
            self.initial["title"] = lead.company_name or lead.full_name
            self.initial["amount"] = "" if lead.budget is None else lead.budget

    def deal_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {
            "title": cleaned["title"].strip() or None,
            "amount": cleaned["amount"].strip() or None,
            "expected_close_date": cleaned["expected_close_date"] or None,
        }
        if cleaned.get("pipeline_id"):
            data["pipeline_id"] = int(cleaned["pipeline_id"])
        return data

    def field_for_error(self, key: str) -> str | None:
        return super().field_for_error(key.removeprefix("deal."))


# --- Settings ------------------------------------------------------------------------------------


class ScoringRuleForm(ServiceErrorsMixin, forms.Form):
    label = forms.CharField(
        label=_("Reason shown"),
        required=False,
        help_text=_("What people read next to the points, e.g. budget confirmed."),
        widget=forms.TextInput(attrs=_testid("rule-label")),
    )
    kind = forms.ChoiceField(
        label=_("Condition"),
        choices=ScoringRuleKind.choices,
        widget=forms.Select(attrs=_testid("rule-kind")),
    )
    field = forms.CharField(
        label=_("Field"),
        required=False,
        help_text=_(
            "For field conditions: region, city, job_title, email… or a form question key."
        ),
        widget=forms.TextInput(attrs=_testid("rule-field")),
    )
    value = forms.CharField(
        label=_("Value"),
        required=False,
        help_text=_("The value, source channel, amount or number of days the condition uses."),
        widget=forms.TextInput(attrs=_testid("rule-value")),
    )
    points = forms.IntegerField(
        label=_("Points"),
        required=False,
        help_text=_("From -100 to 100; negative points subtract."),
        widget=forms.NumberInput(attrs=_testid("rule-points")),
    )
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(instance, name)

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "label": cleaned["label"],
            "kind": cleaned["kind"],
            "field": cleaned["field"],
            "value": cleaned["value"],
            "points": cleaned["points"],
            "position": cleaned["position"] or 0,
            "is_active": cleaned["is_active"],
        }


class AssignmentRuleForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), required=False, widget=forms.TextInput(attrs=_testid("rule-name"))
    )
    region = forms.CharField(
        label=_("Region"),
        required=False,
        help_text=_("Leave empty to match any region."),
        widget=forms.TextInput(attrs=_testid("rule-region")),
    )
    source = _choice(_("Source"), [("", _("Any")), *SourceChannel.choices], "rule-source")
    method = forms.ChoiceField(
        label=_("Method"),
        choices=AssignmentMethod.choices,
        widget=forms.Select(attrs=_testid("rule-method")),
    )
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("name")[:200]
        self.fields["product_id"] = _choice(
            _("Product interest"),
            [("", _("Any")), *[(str(p.pk), p.name) for p in products]],
            "rule-product",
        )
        self.fields["team_id"] = forms.ChoiceField(
            label=_("Team"),
            required=False,
            choices=[("", "—"), *[(str(t.pk), t.name) for t in Team.objects.all()]],
            widget=forms.Select(attrs=_testid("rule-team")),
        )
        if instance is not None and not self.is_bound:
            for name in ("name", "region", "source", "method", "position", "is_active"):
                self.initial[name] = getattr(instance, name)
            self.initial["product_id"] = str(instance.product_id or "")
            self.initial["team_id"] = str(instance.team_id)

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "name": cleaned["name"],
            "region": cleaned["region"],
            "source": cleaned["source"],
            "product_id": cleaned["product_id"] or None,
            "team_id": cleaned["team_id"] or None,
            "method": cleaned["method"],
            "position": cleaned["position"] or 0,
            "is_active": cleaned["is_active"],
        }


_ROW = re.compile(r"^fields-(\d+)-(key|label|type|required|options)$")


def parse_field_rows(data) -> list[dict]:
    """The designer's rows (`fields-<i>-<part>`), in the order the page posted them."""
    rows: dict[int, dict] = {}
    for name in data:
        match = _ROW.match(name)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(name, "")
    result = []
    for index in sorted(rows):
        row = rows[index]
        if not any(str(row.get(part, "")).strip() for part in ("key", "label")):
            continue
        result.append(
            {
                "key": row.get("key", "").strip(),
                "label": row.get("label", "").strip(),
                "type": row.get("type", "text") or "text",
                "required": row.get("required") in ("on", "true", "1"),
                "options": [o.strip() for o in row.get("options", "").splitlines() if o.strip()],
            }
        )
    return result


class LeadFormDesignForm(ServiceErrorsMixin, forms.Form):
    """A web-to-lead form's settings; its questions come as designer rows (`parse_field_rows`)."""

    name = forms.CharField(
        label=_("Name"), required=False, widget=forms.TextInput(attrs=_testid("form-name"))
    )
    thank_you_text = forms.CharField(
        label=_("Thank-you text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **_testid("form-thank-you")}),
        help_text=_("Shown after a visitor sends the form."),
    )
    source = _choice(_("Source channel"), SourceChannel.choices, "form-source")
    campaign = _text(_("Campaign"), "form-campaign")
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, initial_fields: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["team_id"] = _choice(
            _("Team (its queue gets unassigned leads)"),
            [("", "—"), *[(str(t.pk), t.name) for t in Team.objects.all()]],
            "form-team",
        )
        self.row_errors: dict[str, list[str]] = {}
        if self.is_bound:
            self.rows = parse_field_rows(self.data)
        else:
            self.rows = list(instance.fields if instance is not None else initial_fields or [])
            self.initial["source"] = SourceChannel.WEB
            if instance is not None:
                for name in ("name", "thank_you_text", "source", "campaign", "is_active"):
                    self.initial[name] = getattr(instance, name)
                self.initial["team_id"] = str(instance.team_id or "")

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "name": cleaned["name"],
            "thank_you_text": cleaned["thank_you_text"],
            "source": cleaned["source"] or SourceChannel.WEB,
            "campaign": cleaned["campaign"],
            "team_id": cleaned["team_id"] or None,
            "is_active": cleaned["is_active"],
            "fields": self.rows,
        }

    def apply_service_error(self, key: str, message: str) -> None:
        head, _sep, rest = key.partition(".")
        if head == "fields" and rest:
            # "fields.2.key" → shown on the designer's row 2, next to its key input.
            self.row_errors.setdefault(rest, []).append(message)
        else:
            super().apply_service_error(key, message)


# The designer's type menu, in FORM_FIELD_TYPES order.
FIELD_TYPE_LABELS = {
    "text": _("Text"),
    "textarea": _("Long text"),
    "email": _("Email"),
    "tel": _("Phone"),
    "number": _("Number"),
    "checkbox": _("Checkbox"),
    "select": _("Choice"),
}


class PublicLeadForm(ServiceErrorsMixin, forms.Form):
    """The visitor's form, built from the administrator's design.

    Every input is optional here: the service checks required answers, phones and e-mails, so
    the same rules hold for the HTML page, JSON posts and the embedded snippet.
    """

    def __init__(self, *args, lead_form, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in lead_form.fields:
            self.fields[spec["key"]] = self._field(spec)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            required=False,
            label=_("Leave this empty"),
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )

    @staticmethod
    def _field(spec: dict) -> forms.Field:
        attrs = {"data-testid": f"public-{spec['key']}"}
        if spec.get("required"):
            attrs["required"] = True
        label = spec["label"]
        kind = spec.get("type", "text")
        if kind == "checkbox":
            return forms.BooleanField(
                label=label, required=False, widget=forms.CheckboxInput(attrs=attrs)
            )
        if kind == "select":
            choices = [("", "—"), *[(o, o) for o in spec.get("options", [])]]
            return forms.ChoiceField(
                label=label, required=False, choices=choices, widget=forms.Select(attrs=attrs)
            )
        if kind == "textarea":
            widget = forms.Textarea(attrs={"rows": 4, **attrs})
        else:
            input_type = {"email": "email", "tel": "tel", "number": "number"}.get(kind, "text")
            widget = forms.TextInput(attrs={"type": input_type, **attrs})
        return forms.CharField(label=label, required=False, widget=widget)

    @property
    def visible_fields_in_order(self):
        return [self[name] for name in self.fields if name != HONEYPOT_FIELD]

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    def field_for_error(self, key: str) -> str | None:
        # A question's answer may be filed under "data.<key>"; a question may be named "version".
        field = key.removeprefix("data.")
        return field if field in self.fields else None
