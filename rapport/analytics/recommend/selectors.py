"""Reading the rules: a product's "also bought" list, and a customer's next products with the
reason in words.

The rules are aggregate counts over all orders (docs/decisions.md, "Recommendations"); what is
per customer (which products they have) is read only for a customer the caller may see: the
`_for_user` functions check it and raise NotFound otherwise.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.analytics.recommend.models import AssociationRun, ProductAssociation, ProductBuyers
from rapport.core.errors import NotFound
from rapport.customers.models import Company, Person
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.models import OrderLine, OrderStatus, Product
from rapport.sales.selectors.catalog import get_product

RULE = "rule"
POPULAR = "popular"
DEFAULT_LIMIT = 5
MAX_LIMIT = 50


@dataclass(frozen=True)
class Recommendation:
    product: Product
    kind: str  # RULE: from a bought product's rule; POPULAR: among the most bought, to fill up
    reason: str
    because_of: list[Product]  # the customer's products whose rules point here, best first
    confidence: float | None = None
    lift: float | None = None
    followed_share: float | None = None
    window_days: int | None = None
    buyers: int | None = None


def latest_run() -> AssociationRun | None:
    return AssociationRun.objects.order_by("-computed_at", "-id").first()


def also_bought(product_id: int, *, limit: int = 10) -> QuerySet[ProductAssociation]:
    """The products most often bought by the customers who bought `product_id` (NotFound for
    an unknown product), most confident first; active products only."""
    product = get_product(product_id)
    return (
        ProductAssociation.objects.filter(product=product, other__is_active=True)
        .select_related("other")
        .order_by("-confidence", "-lift", "other_id")[: _clamp(limit)]
    )


def owned_product_ids(customer: Person | Company) -> set[int]:
    """What the customer has bought: the products of their orders, except cancelled ones (a
    returned product is not offered again either)."""
    field = "order__person" if isinstance(customer, Person) else "order__company"
    return set(
        OrderLine.objects.filter(**{field: customer}, product__isnull=False)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("product_id", flat=True)
        .distinct()
    )


def recommendations_for(
    customer: Person | Company, *, limit: int = DEFAULT_LIMIT, fill_with_popular: bool = True
) -> list[Recommendation]:
    """The next products to offer `customer` (the caller has checked they may see them): those
    the rules of their products point to, best rule first, then (if `fill_with_popular`) the
    most bought products, never one they already have."""
    limit = _clamp(limit)
    run = latest_run()
    if run is None:
        return []
    owned = owned_product_ids(customer)
    chosen: dict[int, list[ProductAssociation]] = {}
    rules = (
        ProductAssociation.objects.filter(product_id__in=owned, other__is_active=True)
        .exclude(other_id__in=owned)
        .select_related("product", "other")
        .order_by("-confidence", "-lift", "product_id", "other_id")
    )
    for rule in rules:
        if rule.other_id in chosen:
            chosen[rule.other_id].append(rule)
        elif len(chosen) < limit:
            chosen[rule.other_id] = [rule]
    found = [_from_rules(rules_for, run.window_days) for rules_for in chosen.values()]
    if fill_with_popular and len(found) < limit:
        found.extend(_popular(exclude=owned | set(chosen), limit=limit - len(found)))
    return found


def person_recommendations_for_user(user, person_id: int, *, limit: int = DEFAULT_LIMIT):
    """(person, recommendations) for a person `user` may see; NotFound otherwise."""
    person = get_person_for_user(user, person_id)
    return person, recommendations_for(person, limit=limit)


def customer_recommendations_for_user(user, kind: str, pk: int, *, limit: int = DEFAULT_LIMIT):
    """Like `person_recommendations_for_user` for a "person" or a "company" (NotFound for any
    other kind, or a customer `user` may not see)."""
    getter = {"person": get_person_for_user, "company": get_company_for_user}.get(kind)
    if getter is None:
        raise NotFound(_("Customer not found."))
    customer = getter(user, pk)
    return customer, recommendations_for(customer, limit=limit)


def _from_rules(rules: list[ProductAssociation], window_days: int) -> Recommendation:
    best = rules[0]
    return Recommendation(
        product=best.other,
        kind=RULE,
        reason=rule_reason(
            bought=[r.product.name for r in rules[:2]],
            product=best.other.name,
            confidence=best.confidence,
            followed_share=best.followed_share,
            window_days=window_days,
        ),
        because_of=[r.product for r in rules],
        confidence=best.confidence,
        lift=best.lift,
        followed_share=best.followed_share,
        window_days=window_days,
    )


def rule_reason(
    *,
    bought: list[str],
    product: str,
    confidence: float,
    followed_share: float | None,
    window_days: int,
) -> str:
    """The reason in words, e.g. "Bought A and B; 38 % of the customers who bought A bought C
    within 60 days." The share is of the buyers of the first product named (its best rule): the
    rules are counted per product, not per set of products, and the words say so."""
    values = {"first": bought[0], "product": product, "days": window_days}
    if len(bought) > 1:
        values["second"] = bought[1]
    # "0 % bought it within 60 days" is no reason to offer it: then the plain share is given.
    if followed_share is not None and round(followed_share * 100) >= 1:
        values["percent"] = round(followed_share * 100)
        if len(bought) > 1:
            return (
                _(
                    "Bought %(first)s and %(second)s; %(percent)s %% of the customers who bought "
                    "%(first)s bought %(product)s within %(days)s days."
                )
                % values
            )
        return (
            _(
                "Bought %(first)s; %(percent)s %% of the customers who bought it bought "
                "%(product)s within %(days)s days."
            )
            % values
        )
    values["percent"] = round(confidence * 100)
    if len(bought) > 1:
        return (
            _(
                "Bought %(first)s and %(second)s; %(percent)s %% of the customers who bought "
                "%(first)s have also bought %(product)s."
            )
            % values
        )
    return (
        _(
            "Bought %(first)s; %(percent)s %% of the customers who bought it have also bought "
            "%(product)s."
        )
        % values
    )


def _popular(*, exclude: set[int], limit: int) -> list[Recommendation]:
    rows = (
        ProductBuyers.objects.filter(product__is_active=True)
        .exclude(product_id__in=exclude)
        .select_related("product")
        .order_by("-buyers", "product_id")[:limit]
    )
    return [
        Recommendation(
            product=row.product,
            kind=POPULAR,
            reason=_("One of the most bought products: %(count)s customers have bought it.")
            % {"count": row.buyers},
            because_of=[],
            buyers=row.buyers,
        )
        for row in rows
    ]


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))
