"""Writes of saved views and list preferences (see `saved_view_selectors` for who may do what).

A view's filters are validated against its list's parameters and its columns against the list's
columns (`list_specs`), so a saved view always means what the list will do with it.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from rapport.accounts.list_specs import ListSpec, clean_columns, clean_query, list_spec
from rapport.accounts.models import ListPreference, SavedView, SavedViewVisibility, User
from rapport.accounts.saved_view_selectors import may_manage_saved_view
from rapport.core.cleaning import FieldErrors, clean_choice, clean_flag, clean_text, reject_unknown
from rapport.core.errors import PermissionDenied, ValidationFailed

NAME_LIMIT = 60
# Views one user may keep per list: tabs are for a few views used often.
VIEWS_PER_LIST = 30

_CREATE_FIELDS = ("list_key", "name", "query", "columns", "visibility", "is_default")
_UPDATE_FIELDS = ("name", "query", "columns", "visibility", "position", "is_default")


def _spec(list_key: Any, errors: FieldErrors) -> ListSpec | None:
    spec = list_spec(list_key) if isinstance(list_key, str) else None
    if spec is None:
        errors.add("list_key", _("Unknown list."))
    return spec


def _clean_visibility(actor: User, value: Any, errors: FieldErrors) -> str | None:
    visibility = clean_choice(
        value,
        "visibility",
        errors,
        choices=SavedViewVisibility.values,
        default=SavedViewVisibility.PRIVATE,
        list_choices=True,
    )
    if visibility == SavedViewVisibility.TEAM and not actor.team_id:
        errors.add("visibility", _("You have no team to share the view with."))
    if visibility == SavedViewVisibility.EVERYONE and not actor.is_administrator:
        errors.add("visibility", _("Only administrators can share a view with everyone."))
    return visibility


def _name_taken(owner: User, list_key: str, name: str, exclude: int | None = None) -> bool:
    views = SavedView.objects.filter(owner=owner, list_key=list_key, name=name)
    if exclude is not None:
        views = views.exclude(pk=exclude)
    return views.exists()


def _set_default(user: User, list_key: str, view: SavedView | None) -> None:
    ListPreference.objects.update_or_create(
        user=user, list_key=list_key, defaults={"default_view": view}
    )


@transaction.atomic
def saved_view_create(*, actor: User, data: dict) -> SavedView:
    """Save a list's filters, sort and columns as a named view of `actor`'s.

    `data`: list_key, name, query (the list's query string), columns (keys; the list's defaults
    when left out), visibility (private, team, everyone), is_default (open the list with it)."""
    errors = FieldErrors()
    reject_unknown(data, _CREATE_FIELDS, errors)
    spec = _spec(data.get("list_key"), errors)
    name = clean_text(data.get("name"), "name", errors, limit=NAME_LIMIT, required=True)
    visibility = _clean_visibility(actor, data.get("visibility"), errors)
    is_default = clean_flag(data.get("is_default", False), "is_default", errors)
    query, columns = "", []
    if spec is not None:
        query = clean_query(spec, data.get("query") or "", errors)
        raw_columns = data.get("columns")
        columns = spec.default_columns if raw_columns is None else raw_columns
        columns = clean_columns(spec, columns, errors)
        if name and _name_taken(actor, spec.key, name):
            errors.add("name", _("You already have a view with this name on this list."))
        if SavedView.objects.filter(owner=actor, list_key=spec.key).count() >= VIEWS_PER_LIST:
            errors.add(
                "name",
                _("You can keep at most %(limit)d views per list; delete one first.")
                % {"limit": VIEWS_PER_LIST},
            )
    errors.raise_if_any()
    position = (
        SavedView.objects.filter(owner=actor, list_key=spec.key).aggregate(Max("position"))[
            "position__max"
        ]
        or 0
    ) + 1
    try:
        with transaction.atomic():
            view = SavedView.objects.create(
                owner=actor,
                team_id=actor.team_id if visibility == SavedViewVisibility.TEAM else None,
                list_key=spec.key,
                name=name,
                query=query,
                columns=columns,
                visibility=visibility,
                position=position,
            )
    except IntegrityError as exc:  # the same name saved twice at once
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"name": [_("You already have a view with this name on this list.")]},
        ) from exc
    if is_default:
        _set_default(actor, spec.key, view)
    return view


@transaction.atomic
def saved_view_update(*, actor: User, view: SavedView, data: dict) -> SavedView:
    """Rename a view, replace its filters or columns, share it differently, move it, or make it
    `actor`'s default. `view` is one `actor` can see (`get_saved_view_for_user`)."""
    errors = FieldErrors()
    reject_unknown(data, _UPDATE_FIELDS, errors)
    changes_view = any(key != "is_default" for key in data)
    if changes_view and not may_manage_saved_view(actor, view):
        raise PermissionDenied(_("You may not change this view."))
    if "visibility" in data and view.owner_id != actor.pk:
        errors.add("visibility", _("Only the view's owner can change whom it is shared with."))
    spec = list_spec(view.list_key)
    if spec is None:  # a list that no longer exists
        raise ValidationFailed(_("Unknown list."), {"list_key": [_("Unknown list.")]})
    fields = []
    if "name" in data:
        view.name = clean_text(data["name"], "name", errors, limit=NAME_LIMIT, required=True)
        if view.name and _name_taken(view.owner, view.list_key, view.name, exclude=view.pk):
            errors.add("name", _("You already have a view with this name on this list."))
        fields.append("name")
    if "query" in data:
        view.query = clean_query(spec, data["query"] or "", errors)
        fields.append("query")
    if "columns" in data:
        view.columns = clean_columns(spec, data["columns"], errors)
        fields.append("columns")
    if "visibility" in data and view.owner_id == actor.pk:
        view.visibility = _clean_visibility(actor, data["visibility"], errors)
        view.team_id = actor.team_id if view.visibility == SavedViewVisibility.TEAM else None
        fields += ["visibility", "team"]
    if "position" in data:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 1000:
            errors.add("position", _("Enter a whole number from 0 to 1000."))
        else:
            view.position = position
            fields.append("position")
    is_default = None
    if "is_default" in data:
        is_default = clean_flag(data["is_default"], "is_default", errors)
    errors.raise_if_any()
    if fields:
        try:
            with transaction.atomic():
                view.save(update_fields=[*fields, "updated_at"])
        except IntegrityError as exc:
            raise ValidationFailed(
                _("Please correct the errors below."),
                {"name": [_("You already have a view with this name on this list.")]},
            ) from exc
    if is_default is not None:
        current = ListPreference.objects.filter(user=actor, list_key=view.list_key).first()
        if is_default:
            _set_default(actor, view.list_key, view)
        elif current is not None and current.default_view_id == view.pk:
            _set_default(actor, view.list_key, None)
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if not may_manage_saved_view(actor, view):
        raise PermissionDenied(_("You may not delete this view."))
    view.delete()


@transaction.atomic
def list_columns_set(*, actor: User, list_key: str, columns: Any) -> list[str]:
    """Remember the columns `actor` shows on a list when no saved view is active."""
    errors = FieldErrors()
    spec = _spec(list_key, errors)
    if spec is not None:
        columns = clean_columns(spec, columns, errors)
    errors.raise_if_any()
    ListPreference.objects.update_or_create(
        user=actor, list_key=spec.key, defaults={"columns": columns}
    )
    return columns
