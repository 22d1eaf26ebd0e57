"""How a visit's timeline entry is worded: "Online visit: 12 pages viewed, 3 products viewed,
added to cart", from the counts the entry keeps, in the reader's language, at read time."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.activities.timeline_kinds import register_title

# The order parts are named in, most telling first; custom names follow, most frequent first.
ORDER = ("signed_up", "identified", "added_to_cart", "product_viewed", "page_viewed", "app_opened")


def _part(name: str, count: int) -> str:
    if name == "page_viewed":
        return ngettext("%(count)d page viewed", "%(count)d pages viewed", count) % {"count": count}
    if name == "product_viewed":
        return ngettext("%(count)d product viewed", "%(count)d products viewed", count) % {
            "count": count
        }
    if name == "added_to_cart":
        return ngettext("added to cart", "added to cart %(count)d times", count) % {"count": count}
    if name == "signed_up":
        return _("signed up")
    if name == "identified":
        return _("identified")
    if name == "app_opened":
        return ngettext("opened the app", "opened the app %(count)d times", count) % {
            "count": count
        }
    return _("%(name)s × %(count)d") % {"name": name, "count": count}


def visit_summary(counts: dict[str, int], limit: int = 6) -> str:
    names = [n for n in ORDER if counts.get(n)] + sorted(
        (n for n in counts if n not in ORDER and counts[n]), key=lambda n: (-counts[n], n)
    )
    parts = [_part(name, counts[name]) for name in names[:limit]]
    if len(names) > limit:
        parts.append(_("…"))
    return _(", ").join(parts)


def _title(entry) -> str:
    return _("Online visit: %(summary)s") % {"summary": visit_summary(entry.data.get("counts", {}))}


def register() -> None:
    register_title("behaviour.visit", _title)
