"""Template filters shared by every page: money, phone formatting, chips, small helpers."""

from django import template
from django.utils.html import format_html

from rapport.core.formats import format_birthday, format_money, format_number, join_sentences
from rapport.customers.validation import format_phone as _format_phone

register = template.Library()


@register.filter
def startswith(value, prefix) -> bool:
    return bool(prefix) and str(value).startswith(str(prefix))


@register.filter
def money(amount, currency=None) -> str:
    """`{{ amount|money }}` → "1,207,014.00"; `{{ amount|money:currency }}` → "… CNY".

    Two decimals and thousands separators in every language; None prints "—".
    """
    return format_money(amount, currency or None)


@register.filter
def exchange_rate(value) -> str:
    """An exchange rate as entered, without padding: 7.8 → "7.8", 7.12345678 → "7.12345678"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


@register.filter
def number(value) -> str:
    """`{{ count|number }}` → "1,234,567": a count (not an id) grouped by thousands."""
    return format_number(value)


@register.filter
def sentences(messages) -> str:
    """A list of messages, each a sentence, as one text: "A. B." / "甲。乙。" (never ".; ")."""
    return join_sentences(messages or [])


@register.filter
def phone(value) -> str:
    """An E.164 number as people read it (national format for local numbers)."""
    return _format_phone(value) if value else ""


@register.filter
def birthday(person) -> str:
    """A person's birthday: the date, or month and day when the year is unknown."""
    return format_birthday(person.birthday, person.birth_month, person.birth_day)


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def tag_chip(tag):
    # The colour is validated as #rrggbb by the tag service; format_html escapes the name.
    return format_html(
        '<span class="chip" style="--chip: {}" data-testid="tag-chip">{}</span>',
        tag.color,
        tag.name,
    )


@register.filter
def custom_value(value):
    """A stored custom field value as text: lists joined, booleans worded."""
    from django.utils.translation import gettext as _

    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


@register.inclusion_tag("web/_money_total.html")
def money_total(total, compact=False):
    """A `sales.selectors.money.MoneyTotal`: the amount in the reporting currency, each other
    currency's own amount with the rate that converted it, and any currency without a rate
    named as left out (never shown as zero). `compact` puts the breakdown in a tooltip."""
    return {"total": total, "compact": compact}
