"""HTML pages for orders, payments and receivables, and the orders panel of the 360° pages.

Views stay thin: read input, get the record through a selector (another team's order is a 404),
call one service, render. The panel on a person's or company's page is loaded from here with
htmx, so `customers` does not import `sales`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.saved_view_views import saved_views_state
from rapport.accounts.selectors import teams_for_filters, users_for_filters
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.htmx import found_or_404, int_or_none, is_htmx, page_or_first
from rapport.customers.selectors import (
    CustomerFilters,
    companies_list,
    get_company_for_user,
    get_person_for_user,
    persons_list,
)
from rapport.sales.forms.orders import OrderForm, PaymentForm, RefundForm, product_choices
from rapport.sales.models import OrderStatus, PaymentMethod
from rapport.sales.selectors import orders as selectors
from rapport.sales.selectors.deals import get_deal_for_user
from rapport.sales.services import orders as services

CUSTOMER_OPTIONS_SHOWN = 15
# Statuses whose change may carry a note (a refund, a reason for the return).
NOTE_STATUSES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)


# --- List ----------------------------------------------------------------------------------------


def _filters(request) -> selectors.OrderFilters:
    get = request.GET
    return selectors.OrderFilters(
        status=get.get("status", ""),
        owner_id=int_or_none(get.get("owner_id")),
        team_id=int_or_none(get.get("team_id")),
        person_id=int_or_none(get.get("person_id")),
        company_id=int_or_none(get.get("company_id")),
        placed_from=parse_date_or(get.get("placed_from")),
        placed_until=parse_date_or(get.get("placed_until")),
        number=get.get("number", "").strip(),
        open_only=get.get("open_only") == "1",
        holding_money=get.get("holding_money") == "1",
    )


def _customer_named(user, filters: selectors.OrderFilters):
    """The person or company a list is narrowed to, to name it in the filter bar."""
    try:
        if filters.person_id:
            return get_person_for_user(user, filters.person_id)
        if filters.company_id:
            return get_company_for_user(user, filters.company_id)
    except NotFound:
        return None
    return None


@login_required
@require_GET
def order_list(request):
    saved_views = saved_views_state(request, "orders")
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    filters = _filters(request)
    sort = request.GET.get("sort")
    if sort not in selectors.ORDER_SORTS:
        sort = "-placed_at"
    page = page_or_first(
        selectors.orders_list(request.user, filters),
        sort=sort,
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
        partitions=selectors.orders_list_partitions(request.user, filters),
    )
    return render(
        request,
        "sales/orders/order_list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "customer": _customer_named(request.user, filters),
            "statuses": OrderStatus.choices,
            "owners": users_for_filters(request.user),
            "teams": teams_for_filters(request.user),
            "sort_choices": [
                ("-placed_at", _("Newest")),
                ("placed_at", _("Oldest")),
                ("-total", _("Largest total")),
                ("total", _("Smallest total")),
                ("-updated_at", _("Recently updated")),
            ],
            **saved_views.context(),
        },
    )


# --- Create --------------------------------------------------------------------------------------


def _preset_customer(user, get) -> tuple[str, str]:
    """("person:12", "张伟") when the form was opened from a customer's page."""
    person_id, company_id = int_or_none(get.get("person_id")), int_or_none(get.get("company_id"))
    if person_id:
        person = found_or_404(get_person_for_user, user, person_id)
        return f"person:{person.pk}", person.full_name
    if company_id:
        company = found_or_404(get_company_for_user, user, company_id)
        return f"company:{company.pk}", company.name
    return "", ""


def _posted_customer_label(user, value: str) -> str:
    kind, _sep, pk = value.partition(":")
    if not pk.isdigit():
        return ""
    try:
        if kind == "person":
            return get_person_for_user(user, int(pk)).full_name
        if kind == "company":
            return get_company_for_user(user, int(pk)).name
    except NotFound:
        return ""
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    actor = request.user
    if request.method == "GET":
        value, label = _preset_customer(actor, request.GET)
        form = OrderForm(initial={"customer": value}, customer_label=label)
    else:
        value = request.POST.get("customer", "")
        form = OrderForm(request.POST, customer_label=_posted_customer_label(actor, value))
        if form.is_valid():
            try:
                order = services.order_create(actor=actor, data=form.to_data())
            except ValidationFailed as exc:
                form.apply_service_errors(exc.details)
            except NotFound:
                form.add_error("customer", _("There is no such customer."))
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
                return redirect("sales:order_detail", pk=order.pk)
    return render(
        request,
        "sales/orders/order_form.html",
        {"form": form, "products": product_choices(), "customer_value": value},
    )


@login_required
@require_GET
def customer_options(request):
    """`<option>`s for the order form's customer picker: visible persons and companies."""
    q = request.GET.get("customer_search", "").strip()
    persons = companies = []
    if q:
        filters = CustomerFilters(q=q)
        persons = list(
            persons_list(request.user, filters).order_by("full_name")[:CUSTOMER_OPTIONS_SHOWN]
        )
        companies = list(
            companies_list(request.user, filters).order_by("name")[:CUSTOMER_OPTIONS_SHOWN]
        )
    return render(
        request,
        "sales/orders/_customer_options.html",
        {"persons": persons, "companies": companies, "q": q},
    )


# --- Detail, status, payments --------------------------------------------------------------------


def _refundable(order) -> list:
    """The order's payments with something left to refund, newest first (from the prefetch)."""
    payments = [p for p in order.payments.all() if p.refunded_amount < p.amount]
    return sorted(payments, key=lambda p: (p.paid_at, p.pk), reverse=True)


def _refund_form(order, data=None) -> RefundForm:
    # A form sent back lists every payment of the order: a second submission of a refund
    # that used up its payment must still reach the service, which answers it as a replay.
    payments = list(order.payments.order_by("-paid_at", "-id")) if data else _refundable(order)
    return RefundForm(data, payments=payments, order_open=not order.is_closed)


def _money_context(order, *, payment_form=None, refund_form=None) -> dict:
    today = timezone.localdate()
    allowed = services.allowed_statuses(order)
    return {
        "order": order,
        "today": today,
        "allowed": allowed,
        "note_statuses": NOTE_STATUSES,
        # Cancelling or returning an order that holds money asks whether to refund it.
        "closing_with_money": [s for s in allowed if s in NOTE_STATUSES]
        if order.paid_amount > 0
        else [],
        "refund_methods": PaymentMethod.choices,
        "takes_payments": not order.is_closed and order.outstanding > 0,
        "payment_form": payment_form
        or PaymentForm(
            initial={"amount": str(order.outstanding), "method": PaymentMethod.BANK_TRANSFER}
        ),
        "takes_refunds": order.paid_amount > 0,
        "refund_form": refund_form or _refund_form(order),
    }


@login_required
@require_GET
def order_detail(request, pk: int):
    order = found_or_404(selectors.order_detail, request.user, pk)
    return render(request, "sales/orders/order_detail.html", _money_context(order))


@login_required
@require_POST
def order_change_status(request, pk: int):
    order = found_or_404(selectors.get_order_for_user, request.user, pk)
    status = request.POST.get("status", "")
    post = request.POST
    try:
        services.order_change_status(
            actor=request.user,
            order=order,
            status=status,
            note=post.get("note", ""),
            # Sent by the "This order holds X. Refund it?" form of an order holding money.
            refund_amount=post.get("refund_amount") if "refund_amount" in post else None,
            refund_method=post.get("refund_method") or None,
        )
    except ApplicationError as exc:
        details = [
            m
            for key, ms in exc.details.items()
            if key not in ("allowed", "refund_method")
            for m in ms
            if m != exc.message
        ]
        messages.error(request, " ".join([exc.message, *details]))
    else:
        messages.success(
            request,
            _("Order %(number)s is now %(status)s.")
            % {"number": order.number, "status": OrderStatus(status).label},
        )
    return redirect("sales:order_detail", pk=order.pk)


@login_required
@require_POST
def order_record_payment(request, pk: int):
    """Record a payment. htmx gets the order's money section back, with errors or refreshed."""
    order = found_or_404(selectors.get_order_for_user, request.user, pk)
    return _record_money(
        request,
        order,
        PaymentForm(request.POST),
        services.payment_record,
        kind="payment",
        done=_("Payment recorded."),
    )


@login_required
@require_POST
def order_record_refund(request, pk: int):
    """Record a refund, as `order_record_payment` records a payment."""
    order = found_or_404(selectors.get_order_for_user, request.user, pk)
    return _record_money(
        request,
        order,
        _refund_form(order, request.POST),
        services.refund_record,
        kind="refund",
        done=_("Refund recorded."),
    )


def _record_money(request, order, form, service, *, kind: str, done: str):
    """Record a payment or refund (`kind`) from `form`: a plain post is redirected to the
    order; htmx gets the money section back, with the form's errors or the new record."""
    recorded = None
    if form.is_valid():
        recorded = _record(form, service, actor=request.user, order=order)
    if recorded is not None and not is_htmx(request):
        messages.success(request, done)
        return redirect("sales:order_detail", pk=order.pk)
    order = selectors.order_detail(request.user, order.pk)
    context = _money_context(order, **{f"{kind}_form": None if recorded else form})
    if recorded is not None:
        context[f"{kind}_recorded"] = recorded
    return render(request, _money_template(request), context)


def _record(form, service, **kwargs):
    """Run the payment or refund `service` on the valid `form`; None with the form's errors.

    A second submission of the same form (its idempotency key) returns what the first
    recorded, so it lands on the same page as the first.
    """
    try:
        return service(**kwargs, **form.to_kwargs())
    except ValidationFailed as exc:
        form.apply_service_errors(exc.details)
    except services.IdempotencyKeyReused as exc:
        form.add_error(None, exc.message)
        form.renew_key()
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    return None


def _money_template(request) -> str:
    """htmx swaps the order's money section; a plain form post gets the whole page."""
    if is_htmx(request):
        return "sales/orders/_order_money.html"
    return "sales/orders/order_detail.html"


@login_required
@require_POST
def order_from_deal(request, deal_pk: int):
    """The deal page's "Create order" button."""
    deal = found_or_404(get_deal_for_user, request.user, deal_pk)
    try:
        order = services.order_create_from_deal(actor=request.user, deal=deal)
    except ApplicationError as exc:
        if exc.code == "deal_already_ordered":
            messages.info(request, exc.message)
            return redirect("sales:order_detail", pk=exc.details["order_id"])
        messages.error(request, exc.message)
        fallback = reverse("sales:order_list")
        back = request.META.get("HTTP_REFERER", "")
        return redirect(back if back.startswith(request.build_absolute_uri("/")) else fallback)
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return redirect("sales:order_detail", pk=order.pk)


# --- Receivables and the customer panel ----------------------------------------------------------


@login_required
@require_GET
def receivables(request):
    owner_id = int_or_none(request.GET.get("owner_id"))
    team_id = int_or_none(request.GET.get("team_id"))
    report = selectors.receivables_report(request.user, owner_id=owner_id, team_id=team_id)
    return render(
        request,
        "sales/orders/receivables.html",
        {
            "report": report,
            "owner_id": owner_id,
            "team_id": team_id,
            "owners": users_for_filters(request.user),
            "teams": teams_for_filters(request.user),
        },
    )
