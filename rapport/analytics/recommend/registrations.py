"""What the recommendations add to other apps at start-up: a section on a person's page and the
"recommended" merge fields of e-mail templates."""

from django.utils.translation import gettext_lazy, pgettext

from rapport.analytics.panels import PERSON, CustomerSection, register_customer_section
from rapport.analytics.recommend.selectors import recommendations_for
from rapport.messaging.merge_fields import MergeSource, register_merge_source

PANEL_ORDER = 40
MERGE_FIELDS = 3
MERGE_FIELD_NAMES = ("first", "second", "third", "list")


def person_section(user, person) -> CustomerSection | None:
    """The person's next products with their reasons; the page checked that `user` may see
    the person. Nothing when the rules have never been computed."""
    recommendations = recommendations_for(person)
    if not recommendations:
        return None
    return CustomerSection(
        "analytics_recommend/_section.html", {"recommendations": recommendations}
    )


def merge_values(person) -> dict:
    """`{{ recommended.first }}` … `{{ recommended.third }}` and `{{ recommended.list }}`: the
    names of the products to offer the person (empty strings when there are none). Read when a
    template first uses one of them, so that every other message costs no query."""
    return _OffersOnFirstUse(person)


def _offer_names(person) -> dict:
    names = [r.product.name for r in recommendations_for(person, limit=MERGE_FIELDS)]
    names += [""] * (MERGE_FIELDS - len(names))
    return {
        "first": names[0],
        "second": names[1],
        "third": names[2],
        "list": pgettext("list separator", ", ").join(name for name in names if name),
    }


class _OffersOnFirstUse(dict):
    """A plain dict of strings once read; the sandbox refuses the underscored attribute."""

    def __init__(self, person):
        super().__init__()
        self._person = person

    def __missing__(self, key):
        if self._person is None or key not in MERGE_FIELD_NAMES:
            raise KeyError(key)
        self.update(_offer_names(self._person))
        self._person = None
        return self[key]


def register() -> None:
    register_customer_section("recommendations", person_section, order=PANEL_ORDER, kinds=(PERSON,))
    register_merge_source(
        MergeSource(
            name="recommended",
            label=gettext_lazy("Recommended products"),
            fields={
                "first": gettext_lazy("first product to offer"),
                "second": gettext_lazy("second product to offer"),
                "third": gettext_lazy("third product to offer"),
                "list": gettext_lazy("products to offer, in a list"),
            },
            build=merge_values,
            from_person=lambda person: person,
        )
    )
