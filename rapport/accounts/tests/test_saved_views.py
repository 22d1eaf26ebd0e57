"""Saved views and list preferences: validation against the lists, sharing and who may change
what (services and selectors)."""

import pytest

from rapport.accounts.list_specs import clean_query, list_spec
from rapport.accounts.models import ListPreference, SavedViewVisibility
from rapport.accounts.saved_view_selectors import (
    get_saved_view_for_user,
    saved_views_visible_to,
)
from rapport.accounts.saved_view_services import (
    list_columns_set,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)
from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed


def _view(actor, name="Hot leads", **data):
    return saved_view_create(
        actor=actor,
        data={"list_key": "leads", "name": name, "query": "status=new&sort=-score", **data},
    )


# --- Validation ----------------------------------------------------------------------------------


def test_query_is_stored_as_the_list_reads_it(alice):
    view = _view(alice, query="?sort=-created_at&q=%20acme%20&owner_id=&status=new&cursor=abc")

    assert view.query == "q=acme&status=new&sort=-created_at"


def test_unknown_filter_is_refused(alice):
    with pytest.raises(ValidationFailed) as refused:
        _view(alice, query="status=new&colour=red")

    assert refused.value.details["query"] == ["Unknown filter “colour”."]


def test_value_the_list_would_ignore_is_refused(alice):
    with pytest.raises(ValidationFailed) as refused:
        _view(alice, query="status=hot&owner_id=99999999999999999999&sort=price")

    assert len(refused.value.details["query"]) == 3
    assert "“hot” is not a valid value for “status”." in refused.value.details["query"]


def test_custom_field_filters_are_known_by_prefix(alice):
    view = saved_view_create(
        actor=alice,
        data={"list_key": "persons", "name": "Gold", "query": "cf_level=gold&cf_size="},
    )

    assert view.query == "cf_level=gold"


def test_lenient_cleaning_drops_what_the_strict_one_refuses():
    spec = list_spec("orders")

    assert (
        clean_query(spec, "placed_from=2026-13-01&placed_until=2026-02-01&x=1&open_only=1")
        == "placed_until=2026-02-01&open_only=1"
    )


def test_unknown_column_is_refused(alice):
    with pytest.raises(ValidationFailed) as refused:
        _view(alice, columns=["name", "score", "shoe_size"])

    assert "shoe_size" in refused.value.details["columns"][0]


def test_key_column_is_always_kept_and_columns_follow_the_list(alice):
    view = _view(alice, columns=["owner", "score"])

    assert view.columns == ["name", "score", "owner"]


def test_columns_default_to_the_lists(alice):
    view = _view(alice)

    assert view.columns == list_spec("leads").default_columns


def test_unknown_list_is_refused(alice):
    with pytest.raises(ValidationFailed) as refused:
        saved_view_create(actor=alice, data={"list_key": "planets", "name": "x"})

    assert "list_key" in refused.value.details


def test_name_is_required_and_unique_per_list(alice):
    _view(alice)

    with pytest.raises(ValidationFailed) as refused:
        _view(alice)
    with pytest.raises(ValidationFailed) as empty:
        _view(alice, name="  \u200b ")

    assert refused.value.details["name"] == ["You already have a view with this name on this list."]
    assert empty.value.details["name"] == ["This field is required."]


def test_same_name_on_another_list_is_fine(alice):
    _view(alice)

    saved_view_create(actor=alice, data={"list_key": "deals", "name": "Hot leads"})


def test_rep_cannot_share_with_everyone(alice):
    with pytest.raises(ValidationFailed) as refused:
        _view(alice, visibility="everyone")

    assert refused.value.details["visibility"] == [
        "Only administrators can share a view with everyone."
    ]


def test_user_without_team_cannot_share_with_a_team(admin_user):
    with pytest.raises(ValidationFailed):
        _view(admin_user, visibility="team")


def test_list_columns_are_validated(alice):
    with pytest.raises(ValidationFailed):
        list_columns_set(actor=alice, list_key="deals", columns=["title", "colour"])

    assert list_columns_set(actor=alice, list_key="deals", columns=["amount"]) == [
        "title",
        "amount",
    ]
    assert ListPreference.objects.get(user=alice, list_key="deals").columns == ["title", "amount"]


# --- Who sees which view -------------------------------------------------------------------------


def test_private_view_is_its_owners_alone(alice, bob, diana, admin_user):
    view = _view(alice)

    assert get_saved_view_for_user(alice, view.pk) == view
    for other in (bob, diana, admin_user):
        with pytest.raises(NotFound):
            get_saved_view_for_user(other, view.pk)


def test_team_view_is_visible_to_the_team_only(alice, bob, charlie, admin_user):
    view = _view(alice, visibility="team")

    assert list(saved_views_visible_to(bob, "leads")) == [view]
    assert list(saved_views_visible_to(charlie, "leads")) == []
    assert list(saved_views_visible_to(admin_user, "leads")) == []
    with pytest.raises(NotFound):
        get_saved_view_for_user(charlie, view.pk)


def test_view_shared_with_everyone_is_visible_to_all(admin_user, alice, charlie):
    view = _view(admin_user, visibility="everyone")

    assert view.team_id is None
    assert list(saved_views_visible_to(alice, "leads")) == [view]
    assert list(saved_views_visible_to(charlie, "leads")) == [view]
    assert list(saved_views_visible_to(charlie, "deals")) == []


def test_sharing_later_uses_the_owners_team(alice, bob):
    view = _view(alice)

    saved_view_update(actor=alice, view=view, data={"visibility": SavedViewVisibility.TEAM})

    assert view.team_id == alice.team_id
    assert get_saved_view_for_user(bob, view.pk) == view


# --- Who may change a view -----------------------------------------------------------------------


def test_colleague_cannot_change_a_team_view(alice, bob):
    view = _view(alice, visibility="team")

    with pytest.raises(PermissionDenied):
        saved_view_update(actor=bob, view=view, data={"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        saved_view_delete(actor=bob, view=view)


def test_manager_manages_the_teams_shared_views_but_not_whom_they_are_shared_with(alice, diana):
    view = _view(alice, visibility="team")

    saved_view_update(actor=diana, view=view, data={"name": "Team hot leads", "query": "q=a"})
    with pytest.raises(ValidationFailed) as refused:
        saved_view_update(actor=diana, view=view, data={"visibility": "private"})

    view.refresh_from_db()
    assert (view.name, view.query, view.visibility) == ("Team hot leads", "q=a", "team")
    assert "visibility" in refused.value.details
    saved_view_delete(actor=diana, view=view)


def test_anyone_who_sees_a_view_may_make_it_their_default(alice, bob):
    view = _view(alice, visibility="team")

    saved_view_update(actor=bob, view=view, data={"is_default": True})

    assert ListPreference.objects.get(user=bob, list_key="leads").default_view == view
    assert not ListPreference.objects.filter(user=alice).exists()

    saved_view_update(actor=bob, view=view, data={"is_default": False})
    assert ListPreference.objects.get(user=bob, list_key="leads").default_view is None


def test_owner_updates_filters_and_columns_validated(alice):
    view = _view(alice)

    with pytest.raises(ValidationFailed):
        saved_view_update(actor=alice, view=view, data={"query": "status=nope"})
    saved_view_update(actor=alice, view=view, data={"query": "source=referral", "columns": []})

    view.refresh_from_db()
    assert (view.query, view.columns) == ("source=referral", ["name"])


def test_deleting_the_default_view_clears_the_default(alice):
    view = _view(alice, is_default=True)

    saved_view_delete(actor=alice, view=view)

    assert ListPreference.objects.get(user=alice, list_key="leads").default_view is None
