"""HTML forms for deals, quotas and the deal settings.

The forms only shape the browser's input into the `data` dicts the services take; every rule is
checked by the services, whose `ValidationFailed.details` are mapped back onto the fields here.
Product lines are posted as `lines-<index>-<field>` rows, like the customers' repeated sections.
"""

import re

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from rapport.accounts.access import assignable_owners
from rapport.accounts.models import Team, User
from rapport.core.cleaning import parse_id
from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.customers.selectors import companies_visible_to, persons_visible_to
from rapport.sales.models import Priority, Product, QuotaPeriod, Stage, StageKind
from rapport.sales.selectors.deals import lost_reasons_all, pipelines_all

LINE_FIELDS = ("product_id", "quantity", "unit_price", "discount", "discount_percent")
PRODUCTS_OFFERED = 500


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


def _text(label, name, *, textarea=False, required=False, **attrs):
    widget = (
        forms.Textarea(attrs={"rows": 3, **_testid(name)})
        if textarea
        else forms.TextInput(attrs={**_testid(name), **attrs})
    )
    return forms.CharField(label=label, required=required, widget=widget)


def _choice(label, choices, name):
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=forms.Select(attrs=_testid(name))
    )


def parse_line_rows(data) -> list[dict]:
    """The filled-in product rows, in the order they appear on the page."""
    pattern = re.compile(r"^lines-(\d+)-(\w+)$")
    rows: dict[int, dict] = {}
    for key in data:
        match = pattern.match(key)
        if match and match.group(2) in LINE_FIELDS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(key, "").strip()
    return [rows[i] for i in sorted(rows) if rows[i].get("product_id")]


class DealForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    sections = ("lines",)

    title = _text(_("Title"), "title", required=True)
    stage_id = forms.ChoiceField(
        label=_("Pipeline and stage"), required=False, widget=forms.Select(attrs=_testid("stage"))
    )
    amount = _text(_("Amount"), "amount", inputmode="decimal")
    currency = _text(_("Currency"), "currency", maxlength="3")
    expected_close_date = forms.CharField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_testid("expected_close_date")}),
    )
    probability = forms.CharField(
        label=_("Win probability (%)"),
        required=False,
        help_text=_("Leave empty to use the stage's."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, **_testid("probability")}),
    )
    purchase_intent = _choice(_("Purchase intent"), Priority.choices, "purchase_intent")
    budget_status = _choice(_("Budget"), Priority.choices, "budget_status")
    urgency = _choice(_("Urgency"), Priority.choices, "urgency")
    person_id = forms.ChoiceField(
        label=_("Person"), required=False, widget=forms.Select(attrs=_testid("person_id"))
    )
    company_id = forms.ChoiceField(
        label=_("Company"), required=False, widget=forms.Select(attrs=_testid("company_id"))
    )
    notes = _text(_("Notes"), "notes", textarea=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor: User, instance=None, initial_customer=None, **kwargs):
        self.actor = actor
        self.instance = instance
        self.row_errors: dict[str, dict[int, dict[str, list[str]]]] = {"lines": {}}
        super().__init__(*args, **kwargs)
        if instance is None:
            groups = []
            for pipeline in pipelines_all(active_only=True):
                stages = [
                    (str(s.pk), s.name) for s in pipeline.stages.all() if s.kind == StageKind.OPEN
                ]
                groups.append((pipeline.name, stages))
            self.fields["stage_id"].choices = [("", _("Default pipeline, first stage")), *groups]
        else:
            del self.fields["stage_id"]
        owners = list(assignable_owners(actor))
        if owners != [actor]:  # a choice only when there is one to make
            self.fields["owner_id"] = _choice(
                _("Owner"), [("", "—"), *[(str(u.pk), str(u)) for u in owners]], "owner_id"
            )
        self._customer_choices(instance, initial_customer or {})
        if instance is not None and not self.is_bound:
            self._initial_from(instance)
        elif not self.is_bound:
            self.initial.update(
                currency="CNY",
                purchase_intent=Priority.MEDIUM,
                budget_status=Priority.MEDIUM,
                urgency=Priority.MEDIUM,
                **{k: str(v) for k, v in (initial_customer or {}).items()},
            )

    def _customer_choices(self, instance, initial_customer: dict) -> None:
        """The current person and company, plus whatever the browser posted (found by search)."""
        for key, queryset, label in (
            ("person_id", persons_visible_to(self.actor), "full_name"),
            ("company_id", companies_visible_to(self.actor), "name"),
        ):
            ids = set()
            current = getattr(instance, key) if instance is not None else None
            if current:
                ids.add(current)
            if initial_customer.get(key):
                ids.add(initial_customer[key])
            posted = parse_id(self.data.get(key)) if self.is_bound else None
            if posted:  # a number past the 64-bit range is no id (the driver would fail on it)
                ids.add(posted)
            names = dict(queryset.filter(pk__in=ids).values_list("pk", label))
            if current and current not in names:
                # Linked to a customer the editor cannot see: keep the link, show no name.
                names[current] = "—"
            self.fields[key].choices = [("", "—"), *[(str(pk), n) for pk, n in names.items()]]

    def _initial_from(self, deal) -> None:
        for field in (
            "title",
            "currency",
            "purchase_intent",
            "budget_status",
            "urgency",
            "notes",
        ):
            self.initial[field] = getattr(deal, field)
        self.initial["amount"] = f"{deal.amount:.2f}"
        self.initial["probability"] = deal.probability
        self.initial["expected_close_date"] = (
            deal.expected_close_date.isoformat() if deal.expected_close_date else ""
        )
        self.initial["person_id"] = str(deal.person_id or "")
        self.initial["company_id"] = str(deal.company_id or "")
        self.initial["owner_id"] = str(deal.owner_id)
        self.initial["version"] = deal.version

    @cached_property
    def products(self) -> list[Product]:
        return list(Product.objects.filter(is_active=True).order_by("name")[:PRODUCTS_OFFERED])

    @property
    def line_rows(self) -> list[dict]:
        if self.is_bound:
            rows = parse_line_rows(self.data)
        elif self.instance is not None:
            rows = [
                {
                    "product_id": str(line.product_id),
                    "quantity": str(line.quantity),
                    "unit_price": f"{line.unit_price:.2f}",
                    # A line given as a percentage is edited as one (sending both is refused).
                    **(
                        {"discount_percent": f"{line.discount_percent:.2f}"}
                        if line.discount_percent is not None
                        else {"discount": f"{line.discount:.2f}"}
                    ),
                }
                for line in self.instance.lines.all()
            ]
        else:
            rows = []
        return [
            {**row, "index": i, "errors": self.row_errors["lines"].get(i, {})}
            for i, row in enumerate(rows)
        ]

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {
            "title": cleaned["title"],
            "currency": cleaned.get("currency") or "CNY",
            "expected_close_date": cleaned.get("expected_close_date") or None,
            "purchase_intent": cleaned.get("purchase_intent") or Priority.MEDIUM,
            "budget_status": cleaned.get("budget_status") or Priority.MEDIUM,
            "urgency": cleaned.get("urgency") or Priority.MEDIUM,
            "notes": cleaned.get("notes") or "",
        }
        lines = [
            {
                "product_id": row["product_id"],
                "quantity": row.get("quantity") or "1",
                "unit_price": row.get("unit_price") or None,
                "discount": row.get("discount") or None,
                "discount_percent": row.get("discount_percent") or None,
            }
            for row in parse_line_rows(self.data)
        ]
        if lines or self.instance is not None:
            data["lines"] = lines
        # An empty amount means the products' total, or nothing when there are no products.
        if cleaned.get("amount"):
            data["amount"] = cleaned["amount"]
        elif not lines:
            data["amount"] = "0"
        if cleaned.get("probability") not in (None, ""):
            data["probability"] = cleaned["probability"]
        if self.instance is None and cleaned.get("stage_id"):
            data["stage_id"] = int(cleaned["stage_id"])
            data["pipeline_id"] = self._pipeline_of(data["stage_id"])
        for key in ("person_id", "company_id"):
            value = int(cleaned[key]) if cleaned.get(key) else None
            # Re-sending an unchanged link to a customer the editor cannot see would fail the
            # visibility check; only changes are sent.
            if self.instance is None or value != getattr(self.instance, key):
                data[key] = value
        if cleaned.get("owner_id"):
            data["owner_id"] = int(cleaned["owner_id"])
        return data

    @staticmethod
    def _pipeline_of(stage_id: int) -> int | None:
        return Stage.objects.filter(pk=stage_id).values_list("pipeline_id", flat=True).first()

    def add_section_error(self, section: str, message: str) -> None:
        # The deal form has no place for a message about the lines as a whole: show it on top.
        self.add_error(None, message)


class LoseForm(forms.Form):
    lost_reason_id = forms.ChoiceField(
        label=_("Why was it lost?"), widget=forms.Select(attrs=_testid("lost_reason_id"))
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, **_testid("lose_note")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lost_reason_id"].choices = [
            ("", "—"),
            *[(str(r.pk), r.name) for r in lost_reasons_all(active_only=True)],
        ]


class QuotaForm(ServiceErrorsMixin, forms.Form):
    user_id = forms.ChoiceField(
        label=_("User"), required=False, widget=forms.Select(attrs=_testid("quota_user"))
    )
    team_id = forms.ChoiceField(
        label=_("Team"), required=False, widget=forms.Select(attrs=_testid("quota_team"))
    )
    period = forms.ChoiceField(
        label=_("Period"), choices=QuotaPeriod.choices, widget=forms.Select(attrs=_testid("period"))
    )
    period_start = forms.CharField(
        label=_("Month or quarter of"),
        widget=forms.DateInput(attrs={"type": "date", **_testid("period_start")}),
    )
    amount = _text(_("Won amount target (CNY)"), "quota_amount", required=True)
    won_count = forms.CharField(
        label=_("Won deals target"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, **_testid("won_count")}),
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True).order_by("username")
        teams = Team.objects.all()
        if not actor.is_administrator:
            users = users.filter(team_id=actor.team_id) if actor.team_id else users.none()
            teams = teams.filter(pk=actor.team_id)
        self.fields["user_id"].choices = [("", "—"), *[(str(u.pk), str(u)) for u in users]]
        self.fields["team_id"].choices = [("", "—"), *[(str(t.pk), t.name) for t in teams]]

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "user_id": int(cleaned["user_id"]) if cleaned.get("user_id") else None,
            "team_id": int(cleaned["team_id"]) if cleaned.get("team_id") else None,
            "period": cleaned["period"],
            "period_start": cleaned["period_start"],
            "amount": cleaned["amount"],
            "won_count": cleaned.get("won_count") or 0,
        }


class StageForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "stage_name", required=True)
    probability = forms.IntegerField(
        label=_("Win probability (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs=_testid("stage_probability")),
    )
    stale_after_days = forms.IntegerField(
        label=_("Follow up after days in stage"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs=_testid("stale_after_days")),
    )

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class NameForm(ServiceErrorsMixin, forms.Form):
    """Pipelines and lost reasons: a name is all their creation needs."""

    name = _text(_("Name"), "name", required=True)

    def to_data(self) -> dict:
        return {"name": self.cleaned_data["name"]}
