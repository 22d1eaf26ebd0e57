"""The administrators' settings of customer value: the cost of service time and product costs."""

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.analytics.value.models import ProductCost, ValueSettings
from rapport.core.cleaning import (
    FieldErrors,
    clean_currency,
    clean_int,
    clean_money,
    reject_unknown,
)
from rapport.core.errors import NotFound
from rapport.sales.models import Product
from rapport.sales.selectors.money import reporting_currency

MINUTES_LIMIT = 1440


@transaction.atomic
def value_settings_update(*, actor, data: dict) -> ValueSettings:
    """Set `hourly_cost` (in the reporting currency), `minutes_per_ticket` and
    `minutes_per_reply` (0–1440). Administrators only. Takes effect at the next computation."""
    require_settings_manager(actor)
    errors = FieldErrors()
    reject_unknown(data, ("hourly_cost", "minutes_per_ticket", "minutes_per_reply"), errors)
    settings = ValueSettings.objects.select_for_update().order_by("pk").first() or ValueSettings()
    if "hourly_cost" in data:
        settings.hourly_cost = clean_money(data["hourly_cost"], "hourly_cost", errors)
    for name in ("minutes_per_ticket", "minutes_per_reply"):
        if name in data:
            minutes = clean_int(
                data[name],
                name,
                errors,
                message=_("Enter a whole number of minutes from 0 to %(limit)d.")
                % {"limit": MINUTES_LIMIT},
                min_value=0,
                max_value=MINUTES_LIMIT,
            )
            setattr(settings, name, minutes)
    errors.raise_if_any()
    settings.save()
    return settings


@transaction.atomic
def product_cost_set(*, actor, product_id: int, data: dict) -> ProductCost | None:
    """Set a product's unit cost (`unit_cost`, `currency`, default the reporting currency), or
    clear it with an empty `unit_cost` (returns None). Administrators only."""
    require_settings_manager(actor)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    errors = FieldErrors()
    reject_unknown(data, ("unit_cost", "currency"), errors)
    if data.get("unit_cost") in (None, ""):
        errors.raise_if_any()
        ProductCost.objects.filter(product=product).delete()
        return None
    unit_cost = clean_money(data.get("unit_cost"), "unit_cost", errors)
    currency = clean_currency(data.get("currency") or reporting_currency(), "currency", errors)
    errors.raise_if_any()
    cost, _created = ProductCost.objects.update_or_create(
        product=product, defaults={"unit_cost": unit_cost, "currency": currency}
    )
    return cost
