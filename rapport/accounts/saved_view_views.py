"""Saved views and column choices on the lists: what a list page shows above its table (tabs, the
column chooser) and the forms those post to.

A list view calls `saved_views_state(request, "<list key>")` first: it answers the redirect to
apply a view (a tab's link, or the user's default view when the list is opened from elsewhere)
and otherwise the state its template includes as `accounts/_saved_views.html`. A view is applied
through the address: its tab links to the list with the view's query string and `view=<id>`, so
the list reads its filters as always, and paging, sorting and filtering keep the view active.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts import saved_view_services as services
from rapport.accounts.list_specs import ListColumn, ListSpec, clean_columns, clean_query, list_spec
from rapport.accounts.models import SavedView, SavedViewVisibility
from rapport.accounts.saved_view_selectors import (
    TABS_SHOWN,
    get_saved_view_for_user,
    list_preference,
    may_manage_saved_view,
    saved_views_visible_to,
)
from rapport.core.cleaning import parse_id
from rapport.core.errors import ApplicationError
from rapport.core.htmx import found_or_404


@dataclass
class Tab:
    view: SavedView
    href: str
    active: bool
    mine: bool
    is_default: bool


@dataclass
class SavedViewsState:
    spec: ListSpec
    tabs: list[Tab]
    active: SavedView | None
    all_href: str
    current_query: str
    shown: list[str]
    can_manage: bool
    is_owner: bool
    is_default: bool
    redirect_to: str | None = None
    cols: dict[str, bool] = field(default_factory=dict)

    @property
    def my_tabs(self) -> list[Tab]:
        return [t for t in self.tabs if t.mine]

    @property
    def shared_tabs(self) -> list[Tab]:
        return [t for t in self.tabs if not t.mine]

    @property
    def modified(self) -> bool:
        """The filters or sort on the page differ from the active view's."""
        return self.active is not None and self.current_query != self.active.query

    @property
    def columns(self) -> list[tuple[ListColumn, bool]]:
        return [(c, self.cols[c.key]) for c in self.spec.columns]

    def context(self) -> dict:
        return {"saved_views": self, "cols": self.cols}


def _href(view: SavedView) -> str:
    return f"?{view.query}&view={view.pk}" if view.query else f"?view={view.pk}"


def _came_from_this_list(request) -> bool:
    """Whether the page was reached from the list itself ("Clear", a tab), not from elsewhere (the
    navigation), in which case the user's default view applies."""
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    return bool(referer) and parts.netloc == request.get_host() and parts.path == request.path


def saved_views_state(request, list_key: str) -> SavedViewsState:
    """The saved views of a list for `request.user`, the one applied, and the columns to show.

    Two queries whatever the number of views: the views visible to the user, and the user's
    preference for the list. `redirect_to` is set when the page should first move to a view's
    address. A `view` the user may not see is a 404.
    """
    user = request.user
    spec = list_spec(list_key)
    if spec is None:
        raise ValueError(f"Unknown list {list_key!r}")
    views = list(saved_views_visible_to(user, list_key).select_related("owner")[:TABS_SHOWN])
    preference = list_preference(user, list_key)
    default_id = preference.default_view_id if preference is not None else None
    raw_view = request.GET.get("view", "")
    active = None
    if raw_view and raw_view != "all":
        view_id = parse_id(raw_view)
        if view_id is None:
            raise Http404(_("Saved view not found."))
        active = next((v for v in views if v.pk == view_id), None)
        if active is None or active.list_key != list_key:
            active = found_or_404(get_saved_view_for_user, user, view_id)
            if active.list_key != list_key:
                raise Http404(_("Saved view not found."))

    redirect_to = None
    if active is not None and active.query and set(request.GET) <= {"view"}:
        redirect_to = request.path + _href(active)
    elif not request.GET and default_id is not None and not _came_from_this_list(request):
        default = next((v for v in views if v.pk == default_id), None)
        if default is not None:
            redirect_to = request.path + _href(default)

    if active is not None:
        chosen = active.columns
    elif preference is not None and preference.columns is not None:
        chosen = preference.columns
    else:
        chosen = spec.default_columns
    shown = clean_columns(spec, chosen)
    tabs = [
        Tab(
            view=v,
            href=_href(v),
            active=active is not None and v.pk == active.pk,
            mine=v.owner_id == user.pk,
            is_default=v.pk == default_id,
        )
        for v in views
    ]
    # Own views first, then those shared with the user, each in their saved order.
    tabs.sort(key=lambda t: not t.mine)
    return SavedViewsState(
        spec=spec,
        tabs=tabs,
        active=active,
        all_href="?view=all" if default_id is not None else "?",
        current_query=clean_query(spec, request.GET),
        shown=shown,
        can_manage=active is not None and may_manage_saved_view(user, active),
        is_owner=active is not None and active.owner_id == user.pk,
        is_default=active is not None and active.pk == default_id,
        redirect_to=redirect_to,
        cols={c.key: c.key in shown for c in spec.columns},
    )


# --- Forms the list pages post to ----------------------------------------------------------------


def _list_url(spec: ListSpec, suffix: str = "") -> str:
    return reverse(spec.url_name) + suffix


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _report(request, exc: ApplicationError) -> None:
    details = [str(m) for messages_ in exc.details.values() for m in messages_]
    messages.error(request, " ".join(details) if details else exc.message)


def _columns_from(request) -> list[str] | None:
    return request.POST.getlist("columns") if "columns_sent" in request.POST else None


@login_required
@require_POST
def saved_view_create(request):
    """Save the page's filters and columns as a new view, then show the list with it."""
    post = request.POST
    spec = list_spec(post.get("list_key", ""))
    if spec is None:
        raise Http404(_("Unknown list."))
    data = {
        "list_key": spec.key,
        "name": post.get("name", ""),
        "query": post.get("query", ""),
        "visibility": post.get("visibility") or SavedViewVisibility.PRIVATE,
        "is_default": post.get("is_default") == "1",
    }
    columns = _columns_from(request)
    if columns is not None:
        data["columns"] = columns
    try:
        view = services.saved_view_create(actor=request.user, data=data)
    except ApplicationError as exc:
        _report(request, exc)
        return _back(request, _list_url(spec))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(spec, _href(view)))


@login_required
@require_POST
def saved_view_update(request, pk: int):
    """Rename the view, replace its filters with the page's, share it, or make it the default;
    which, depends on the fields sent."""
    view = found_or_404(get_saved_view_for_user, request.user, pk)
    spec = list_spec(view.list_key)
    if spec is None:
        raise Http404(_("Unknown list."))
    post = request.POST
    data = {}
    for name in ("name", "query", "visibility"):
        if name in post:
            data[name] = post[name]
    columns = _columns_from(request)
    if columns is not None:
        data["columns"] = columns
    if "is_default" in post:
        data["is_default"] = post["is_default"] == "1"
    try:
        view = services.saved_view_update(actor=request.user, view=view, data=data)
    except ApplicationError as exc:
        _report(request, exc)
        return _back(request, _list_url(spec, _href(view)))
    messages.success(request, _("View “%(name)s” updated.") % {"name": view.name})
    return redirect(_list_url(spec, _href(view)))


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    view = found_or_404(get_saved_view_for_user, request.user, pk)
    spec = list_spec(view.list_key)
    try:
        services.saved_view_delete(actor=request.user, view=view)
    except ApplicationError as exc:
        _report(request, exc)
        return _back(request, _list_url(spec, _href(view)) if spec else "/")
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(_list_url(spec, "?view=all") if spec else "/")


@login_required
@require_POST
def list_columns(request):
    """Show the chosen columns: in the active view when the user may change it, else as the
    user's own choice for the list."""
    post = request.POST
    spec = list_spec(post.get("list_key", ""))
    if spec is None:
        raise Http404(_("Unknown list."))
    columns = post.getlist("columns")
    view_id = parse_id(post.get("view"))
    try:
        if view_id is not None:
            view = found_or_404(get_saved_view_for_user, request.user, view_id)
            services.saved_view_update(actor=request.user, view=view, data={"columns": columns})
        else:
            services.list_columns_set(actor=request.user, list_key=spec.key, columns=columns)
    except ApplicationError as exc:
        _report(request, exc)
    return _back(request, _list_url(spec))
