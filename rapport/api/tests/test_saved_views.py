"""/api/v1/saved-views: a list's filters, sort and columns saved by name, shared or not."""

from rapport.accounts.models import SavedView
from rapport.accounts.saved_view_services import saved_view_create


def _view(actor, **data):
    return saved_view_create(
        actor=actor, data={"list_key": "leads", "name": "Hot", "query": "status=new", **data}
    )


def test_create_validates_query_and_columns_against_the_list(as_alice):
    refused = as_alice.post(
        "/saved-views",
        {"list_key": "leads", "name": "x", "query": "status=hot&colour=red", "columns": ["x"]},
    )
    created = as_alice.post(
        "/saved-views",
        {
            "list_key": "deals",
            "name": "Big open deals",
            "query": "status=open&sort=-updated_at",
            "columns": ["amount", "owner"],
            "visibility": "team",
            "is_default": True,
        },
    )

    assert refused.status_code == 422
    assert set(refused.json()["details"]) == {"query", "columns"}
    assert created.status_code == 201
    body = created.json()
    assert body["columns"] == ["title", "amount", "owner"]
    assert (body["visibility"], body["is_default"], body["can_manage"]) == ("team", True, True)


def test_list_shows_mine_and_my_teams_shared_views_only(as_bob, alice, bob, charlie):
    shared = _view(alice, visibility="team")
    _view(alice, name="Private")
    _view(charlie, visibility="team")
    mine = _view(bob, name="Bob's", is_default=True)

    body = as_bob.get("/saved-views", {"list_key": "leads"}).json()

    assert {v["id"]: (v["can_manage"], v["is_default"]) for v in body["items"]} == {
        shared.pk: (False, False),
        mine.pk: (True, True),
    }


def test_another_teams_view_answers_404(as_charlie, alice):
    view = _view(alice, visibility="team")

    assert as_charlie.get(f"/saved-views/{view.pk}").status_code == 404
    assert as_charlie.patch(f"/saved-views/{view.pk}", {"name": "Mine"}).status_code == 404
    assert as_charlie.delete(f"/saved-views/{view.pk}").status_code == 404
    assert SavedView.objects.get().name == "Hot"


def test_colleague_may_not_change_a_team_view_but_may_make_it_their_default(as_bob, alice):
    view = _view(alice, visibility="team")

    renamed = as_bob.patch(f"/saved-views/{view.pk}", {"name": "Mine"})
    default = as_bob.patch(f"/saved-views/{view.pk}", {"is_default": True})
    deleted = as_bob.delete(f"/saved-views/{view.pk}")

    assert (renamed.status_code, default.status_code, deleted.status_code) == (403, 200, 403)
    assert default.json()["is_default"] is True


def test_owner_updates_and_deletes(as_alice, alice):
    view = _view(alice)

    patched = as_alice.patch(
        f"/saved-views/{view.pk}", {"query": "?source=referral&cursor=x", "position": 3}
    )
    deleted = as_alice.delete(f"/saved-views/{view.pk}")

    assert patched.status_code == 200
    assert (patched.json()["query"], patched.json()["position"]) == ("source=referral", 3)
    assert deleted.status_code == 204
    assert not SavedView.objects.exists()


def test_rep_cannot_share_with_everyone(as_alice):
    response = as_alice.post(
        "/saved-views", {"list_key": "leads", "name": "All", "visibility": "everyone"}
    )

    assert response.status_code == 422
    assert "visibility" in response.json()["details"]
