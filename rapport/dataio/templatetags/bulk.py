"""Template tags of the bulk action bar, which the lists of lower apps include: the actions a list
offers and the list's query string. Neither runs a query, so the bar adds none to a list page."""

from django import template

from rapport.dataio.services.bulk import get_bulk_list
from rapport.dataio.services.bulk.run import NOT_FILTERS

register = template.Library()


@register.simple_tag
def bulk_actions(list_name: str) -> list[tuple[str, str]]:
    """(key, label) of the actions of the list named `list_name`."""
    return [(action.key, action.label) for action in get_bulk_list(list_name).actions]


@register.simple_tag(takes_context=True)
def bulk_query(context) -> str:
    """The list's filters from the page's query string, without its cursor or sort."""
    request = context.get("request")
    if request is None:
        return ""
    params = request.GET.copy()
    for key in NOT_FILTERS:
        params.pop(key, None)
    return params.urlencode()
