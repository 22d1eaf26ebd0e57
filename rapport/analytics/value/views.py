"""The customer value pages: the overview (segments, movement, tiers), the 20/80/30 view on
profit, the expense list, logging and deleting an expense from a customer's page, and the
administrators' settings. Thin: selectors read, services write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.access import can_manage_settings, require_settings_manager
from rapport.analytics.value import selectors
from rapport.analytics.value.forms import ExpenseForm, ValueSettingsForm
from rapport.analytics.value.models import CustomerKind, ExpenseKind, ProductCost
from rapport.analytics.value.services import expenses as expense_services
from rapport.analytics.value.services.settings import value_settings_update
from rapport.analytics.value.services.values import value_settings
from rapport.core.errors import ApplicationError
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, page_or_first
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.selectors.deals import get_deal_for_user

LIST_URLS = {"person": "customers:person_list", "company": "customers:company_list"}
TOP_SHOWN = 10


def _kind(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in CustomerKind.values else CustomerKind.PERSON


def _segment_chart(kind: str, overview) -> dict:
    base = reverse(LIST_URLS[kind])
    return {
        "bars": [
            {
                "name": str(row["label"]),
                "value": row["count"],
                "url": f"{base}?value_segment={row['key']}",
            }
            for row in overview.segments
        ]
    }


@login_required
@require_GET
def overview(request):
    kind = _kind(request)
    data = selectors.value_overview(request.user, kind)
    base = reverse(LIST_URLS[kind])
    return render(
        request,
        "analytics_value/overview.html",
        {
            "kind": kind,
            "kinds": CustomerKind.choices,
            "overview": data,
            "chart": _segment_chart(kind, data),
            "columns": selectors.movement_columns(),
            "list_url": base,
            "settings": value_settings(),
            "can_manage": can_manage_settings(request.user),
        },
    )


def _curve_chart(figures) -> dict:
    return {
        "categories": [f"{share * 100:.0f}%" for share, _cumulative in figures.curve],
        "axes": [{"percent": True}],
        "series": [
            {
                "name": _("Cumulative share of profit"),
                "type": "line",
                "data": [float(round(c * 100, 1)) for _share, c in figures.curve],
            }
        ],
    }


def _percent(share) -> int | None:
    return None if share is None else round(share * 100)


@login_required
@require_GET
def profit(request):
    kind = _kind(request)
    figures = selectors.profit_concentration(request.user, kind)
    best, worst = selectors.top_and_bottom(request.user, kind, TOP_SHOWN)
    return render(
        request,
        "analytics_value/profit.html",
        {
            "kind": kind,
            "kinds": CustomerKind.choices,
            "figures": figures,
            "chart": _curve_chart(figures),
            "best": best,
            "worst": [row for row in worst if row.net < 0],
            "top_20": _percent(figures.top_20_share),
            "bottom_30": _percent(figures.bottom_30_cut),
            "peak": _percent(figures.peak_share),
        },
    )


@login_required
@require_GET
def expense_list(request):
    kind = request.GET.get("kind", "")
    expenses = selectors.expenses_visible_to(request.user).select_related(
        "person", "company", "deal", "recorded_by"
    )
    if kind in ExpenseKind.values:
        expenses = expenses.filter(kind=kind)
    page = page_or_first(
        expenses,
        sort="-spent_on",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "analytics_value/expense_list.html",
        {"page": page, "kind": kind, "kinds": ExpenseKind.choices},
    )


def _customer_url(kind: str, pk: int) -> str:
    name = "customers:person_detail" if kind == "person" else "customers:company_detail"
    return reverse(name, args=[pk])


def _expense_create(request, kind: str, pk: int):
    getter = get_person_for_user if kind == "person" else get_company_for_user
    customer = found_or_404(getter, request.user, pk)
    form = ExpenseForm(request.POST)
    saved = save_form(
        form,
        lambda: expense_services.expense_create(
            actor=request.user, data={**form.to_data(), f"{kind}_id": customer.pk}
        ),
    )
    if saved is not None:
        messages.success(request, _("Expense logged."))
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(
            request,
            _("The expense was not logged: %(errors)s") % {"errors": " ".join(problems)},
        )
    return redirect(_customer_url(kind, customer.pk))


@login_required
@require_POST
def person_expense_create(request, pk: int):
    return _expense_create(request, "person", pk)


@login_required
@require_POST
def company_expense_create(request, pk: int):
    return _expense_create(request, "company", pk)


@login_required
@require_POST
def deal_expense_create(request, pk: int):
    """Log an expense against a deal, and so against its customer (its person, else its
    company: an expense belongs to one customer)."""
    deal = found_or_404(get_deal_for_user, request.user, pk)
    customer = {"person_id": deal.person_id} if deal.person_id else {"company_id": deal.company_id}
    form = ExpenseForm(request.POST)
    saved = save_form(
        form,
        lambda: expense_services.expense_create(
            actor=request.user, data={**form.to_data(), **customer, "deal_id": deal.pk}
        ),
    )
    if saved is not None:
        messages.success(request, _("Expense logged."))
    else:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(
            request,
            _("The expense was not logged: %(errors)s") % {"errors": " ".join(problems)},
        )
    return redirect("sales:deal_detail", pk=deal.pk)


@login_required
@require_POST
def expense_delete(request, pk: int):
    expense = found_or_404(selectors.get_expense_for_user, request.user, pk)
    kind = "person" if expense.person_id else "company"
    customer_id = expense.person_id or expense.company_id
    deal_id = expense.deal_id
    try:
        expense_services.expense_delete(actor=request.user, expense=expense)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Expense deleted."))
    # Deleted from the deal's page (`back=deal`): back there.
    if deal_id and request.POST.get("back") == "deal":
        return redirect("sales:deal_detail", pk=deal_id)
    return redirect(_customer_url(kind, customer_id))


@login_required
def settings_page(request):
    allowed_or_403(require_settings_manager, request.user)
    current = value_settings()
    form = ValueSettingsForm(
        request.POST or None,
        initial={
            "hourly_cost": current.hourly_cost,
            "minutes_per_ticket": current.minutes_per_ticket,
            "minutes_per_reply": current.minutes_per_reply,
        },
    )
    if request.method == "POST":
        saved = save_form(
            form, lambda: value_settings_update(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Settings saved. They count from the next computation."))
            return redirect("analytics_value:settings")
    costs = ProductCost.objects.select_related("product").order_by("product__name")[:200]
    return render(
        request,
        "analytics_value/settings.html",
        {"form": form, "costs": costs},
    )
