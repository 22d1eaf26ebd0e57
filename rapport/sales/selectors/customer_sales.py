"""What a person's or company's 360° page shows of sales: deals, open leads, open orders, what
the customer owes and what their orders are worth (money totals per currency, converted by the one
rule of `sales.selectors.money` with one set of today's rates).

Each part is read through the selector that decides who sees it (`deals_visible_to`,
`leads_visible_to`, `orders_visible_to`), so another team's deal on a visible person never
shows. Every read is bounded: a few rows per panel from the (person|company, …) indexes, and one
aggregate for the counts, whatever the customer's history.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from rapport.accounts.models import User
from rapport.customers.models import Company, Person, PersonEmail, PersonPhone
from rapport.customers.selectors import companies_visible_to
from rapport.sales.models import Deal, DealStatus, Lead, Order
from rapport.sales.selectors.deals import deals_visible_to
from rapport.sales.selectors.leads import OPEN_STATUSES, leads_visible_to
from rapport.sales.selectors.orders import (
    CustomerValue,
    OrderFilters,
    Receivables,
    customer_money,
    orders_list,
)

DEALS_SHOWN = 5
CLOSED_DEALS_SHOWN = 3
LEADS_SHOWN = 5
ORDERS_SHOWN = 5
RECENT_ORDERS_SHOWN = 3


@dataclass
class CustomerSales:
    open_deals: list[Deal] = field(default_factory=list)
    closed_deals: list[Deal] = field(default_factory=list)
    open_deal_count: int = 0
    closed_deal_count: int = 0
    leads: list[Lead] = field(default_factory=list)
    lead_count: int = 0
    # What the lead list is searched by to show them all (it has no customer filter; leads
    # belong to a customer by their phone or e-mail).
    lead_search: str = ""
    orders: list[Order] = field(default_factory=list)
    recent_orders: list[Order] = field(default_factory=list)
    receivables: Receivables = field(default_factory=Receivables)
    value: CustomerValue | None = None
    # A new deal for a person is also for their primary company, if the reader may see it.
    deal_company_id: int | None = None

    @property
    def deal_count(self) -> int:
        return self.open_deal_count + self.closed_deal_count


def _scope(person: Person | None, company: Company | None) -> dict:
    return {"person": person} if person is not None else {"company": company}


def _deals(user: User, scope: dict) -> QuerySet[Deal]:
    return deals_visible_to(user).filter(**scope).select_related("stage", "owner")


def _lead_contacts(person: Person | None, company: Company | None) -> Q:
    """Which open leads are this customer's: those with one of its phones or e-mails (stored
    normalised on both sides), the match `lead_convert` makes. For a company: its own phone and
    e-mail and those of its people."""
    if person is not None:
        return Q(phone__in=PersonPhone.objects.filter(person=person).values("number")) | Q(
            email__in=PersonEmail.objects.filter(person=person).values("email")
        )
    staff = {"person__employments__company": company}
    q = Q(phone__in=PersonPhone.objects.filter(**staff).values("number")) | Q(
        email__in=PersonEmail.objects.filter(**staff).values("email")
    )
    if company.phone:
        q |= Q(phone=company.phone)
    if company.email:
        q |= Q(email=company.email)
    return q


def _lead_search(leads: list[Lead]) -> str:
    """A search that lists the customer's leads: the contact the first of them matched on."""
    lead = leads[0]
    return lead.phone or lead.email


def customer_sales(
    user: User, *, person: Person | None = None, company: Company | None = None
) -> CustomerSales:
    """The sales panels of one person's or company's page, as `user` may see them.

    Open deals first (soonest expected close), then the most recently closed; open leads by
    score; orders that still owe money, then the latest others; what the customer owes and
    what their orders are worth. At most eleven queries (and one for the exchange rates when a
    currency other than the reporting one is in the figures), none growing with the customer's
    history.
    """
    scope = _scope(person, company)
    result = CustomerSales()
    if person is not None:
        result.deal_company_id = (
            companies_visible_to(user)
            .filter(employments__person=person, employments__is_primary=True)
            .values_list("pk", flat=True)
            .first()
        )
    counts = (
        deals_visible_to(user)
        .filter(**scope)
        .aggregate(
            open=Count("pk", filter=Q(status=DealStatus.OPEN)),
            closed=Count("pk", filter=~Q(status=DealStatus.OPEN)),
        )
    )
    result.open_deal_count, result.closed_deal_count = counts["open"], counts["closed"]
    if counts["open"]:
        result.open_deals = list(
            _deals(user, scope)
            .filter(status=DealStatus.OPEN)
            .order_by(F("expected_close_date").asc(nulls_last=True), "pk")[:DEALS_SHOWN]
        )
    if counts["closed"]:
        result.closed_deals = list(
            _deals(user, scope)
            .exclude(status=DealStatus.OPEN)
            .order_by(F("closed_at").desc(nulls_last=True), "-pk")[:CLOSED_DEALS_SHOWN]
        )
    leads = leads_visible_to(user).filter(_lead_contacts(person, company), status__in=OPEN_STATUSES)
    result.leads = list(leads.select_related("owner").order_by("-score", "-pk")[:LEADS_SHOWN])
    result.lead_count = leads.count() if len(result.leads) == LEADS_SHOWN else len(result.leads)
    if result.leads:
        result.lead_search = _lead_search(result.leads)
    result.receivables, result.value = customer_money(user, person=person, company=company)
    customer = {f"{key}_id": record.pk for key, record in scope.items()}
    if result.receivables.open_orders:
        owing = orders_list(user, OrderFilters(open_only=True, **customer))
        result.orders = list(owing.order_by("-placed_at", "-pk")[:ORDERS_SHOWN])
    # The newest orders, whatever their state, so a settled customer's history is one glance
    # away; those still owing are already listed above.
    recent = orders_list(user, OrderFilters(**customer)).order_by("-placed_at", "-pk")
    shown = {order.pk for order in result.orders}
    result.recent_orders = [o for o in recent[:RECENT_ORDERS_SHOWN] if o.pk not in shown]
    return result
