"""The deals API: CRUD, filters, actions, settings, quotas, errors and who sees what."""

import pytest

from rapport.sales.models import Deal, DealStageChange, Pipeline, Product, Quota
from rapport.sales.services.deals import (
    deal_create,
    deal_win,
    lost_reason_create,
    pipeline_create,
    pipeline_get_default,
)


@pytest.fixture
def pipeline(db):
    return pipeline_get_default()


@pytest.fixture
def stages(pipeline):
    return {s.name.lower().replace(" ", "_"): s for s in pipeline.stages.all()}


@pytest.fixture
def east_deal(alice, east_person, pipeline):
    return deal_create(
        actor=alice,
        data={"title": "年度茶叶采购", "amount": "12800.00", "person_id": east_person.pk},
    )


@pytest.fixture
def reason(admin_user):
    return lost_reason_create(actor=admin_user, data={"name": "Price too high"})


# --- CRUD ----------------------------------------------------------------------------------------


def test_create_answers_201_with_the_deal(as_alice, east_person, pipeline, alice):
    response = as_alice.post(
        "/deals",
        {"title": "年度茶叶采购", "amount": "12800.50", "person_id": east_person.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "12800.50"
    assert body["currency"] == "CNY"
    assert body["stage"]["name"] == "Qualification"
    assert body["owner"]["id"] == alice.pk
    assert body["person"] == {"id": east_person.pk, "name": "张伟"}
    assert len(body["stage_changes"]) == 1


def test_amount_as_a_json_number_is_kept_exact(as_alice, pipeline):
    response = as_alice.post("/deals", {"title": "A", "amount": 0.1})

    assert response.json()["amount"] == "0.10"


def test_detail_shows_lines_and_history(as_alice, alice, pipeline, stages):
    product = Product.objects.create(sku="T1", name="龙井", unit_price="388.00")
    deal = deal_create(
        actor=alice, data={"title": "A", "lines": [{"product_id": product.pk, "quantity": 2}]}
    )
    as_alice.post(f"/deals/{deal.pk}/move", {"stage_id": stages["proposal"].pk})

    body = as_alice.get(f"/deals/{deal.pk}").json()

    assert body["lines"][0]["line_total"] == "776.00"
    assert [c["to_stage"]["name"] for c in body["stage_changes"]] == [
        "Proposal",
        "Qualification",
    ]


def test_patch_changes_only_what_is_sent(as_alice, east_deal):
    response = as_alice.patch(f"/deals/{east_deal.pk}", {"notes": "见面详谈", "version": 1})

    assert response.status_code == 200
    assert response.json()["notes"] == "见面详谈"
    assert response.json()["amount"] == "12800.00"
    assert response.json()["version"] == 2


def test_patch_with_an_old_version_is_409(as_alice, as_bob, east_deal):
    as_bob.patch(f"/deals/{east_deal.pk}", {"title": "B", "version": 1})

    response = as_alice.patch(f"/deals/{east_deal.pk}", {"title": "C", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_delete_answers_204(as_alice, east_deal):
    response = as_alice.delete(f"/deals/{east_deal.pk}")

    assert response.status_code == 204
    assert not Deal.objects.filter(pk=east_deal.pk).exists()


# --- Lists ---------------------------------------------------------------------------------------


def test_list_filters_by_status_and_stage(as_alice, alice, pipeline, stages):
    open_deal = deal_create(actor=alice, data={"title": "open"})
    won = deal_win(actor=alice, deal=deal_create(actor=alice, data={"title": "won"}))

    opened = as_alice.get("/deals", {"status": "open"}).json()["items"]
    in_won_stage = as_alice.get("/deals", {"stage_id": stages["won"].pk}).json()["items"]

    assert [d["id"] for d in opened] == [open_deal.pk]
    assert [d["id"] for d in in_won_stage] == [won.pk]


def test_list_pages_with_a_cursor(as_alice, alice, pipeline):
    for i in range(3):
        deal_create(actor=alice, data={"title": f"D{i}"})

    first = as_alice.get("/deals", {"sort": "title", "limit": 2}).json()
    second = as_alice.get(
        "/deals", {"sort": "title", "limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert [d["title"] for d in first["items"] + second["items"]] == ["D0", "D1", "D2"]


def test_list_takes_a_fixed_number_of_queries(
    as_alice, alice, east_person, east_company, pipeline, django_assert_max_num_queries
):
    for i in range(30):
        deal_create(
            actor=alice,
            data={"title": f"D{i}", "person_id": east_person.pk, "company_id": east_company.pk},
        )

    # API key, its user, and one query for the page.
    with django_assert_max_num_queries(5):
        response = as_alice.get("/deals", {"limit": 30})

    assert len(response.json()["items"]) == 30


def test_unknown_sort_is_422(as_alice):
    response = as_alice.get("/deals", {"sort": "owner"})

    assert response.status_code == 422
    assert "sort" in response.json()["details"]


# --- Actions -------------------------------------------------------------------------------------


def test_move_changes_the_stage_and_records_it(as_alice, east_deal, stages):
    response = as_alice.post(
        f"/deals/{east_deal.pk}/move", {"stage_id": stages["negotiation"].pk, "version": 1}
    )

    assert response.status_code == 200
    assert response.json()["stage"]["name"] == "Negotiation"
    assert response.json()["probability"] == 75
    assert DealStageChange.objects.filter(deal=east_deal).count() == 2


def test_move_to_a_stage_of_another_pipeline_is_422(as_alice, admin_user, east_deal):
    other = pipeline_create(actor=admin_user, data={"name": "Distributors"})

    response = as_alice.post(f"/deals/{east_deal.pk}/move", {"stage_id": other.stages.first().pk})

    assert response.status_code == 422
    assert "stage_id" in response.json()["details"]


def test_move_to_an_unknown_stage_is_404(as_alice, east_deal):
    response = as_alice.post(f"/deals/{east_deal.pk}/move", {"stage_id": 999999})

    assert response.status_code == 404


def test_moving_a_closed_deal_is_409(as_alice, alice, east_deal, stages):
    deal_win(actor=alice, deal=east_deal)

    response = as_alice.post(f"/deals/{east_deal.pk}/move", {"stage_id": stages["proposal"].pk})

    assert response.status_code == 409
    assert response.json()["code"] == "deal_closed"


def test_win_and_reopen(as_alice, east_deal):
    won = as_alice.post(f"/deals/{east_deal.pk}/win", {"note": "签约"}).json()
    reopened = as_alice.post(f"/deals/{east_deal.pk}/reopen", {}).json()

    assert (won["status"], won["probability"], won["close_note"]) == ("won", 100, "签约")
    assert (reopened["status"], reopened["stage"]["name"]) == ("open", "Qualification")


def test_lose_needs_a_known_reason(as_alice, east_deal, reason):
    missing = as_alice.post(f"/deals/{east_deal.pk}/lose", {})
    unknown = as_alice.post(f"/deals/{east_deal.pk}/lose", {"lost_reason_id": 999999})
    lost = as_alice.post(f"/deals/{east_deal.pk}/lose", {"lost_reason_id": reason.pk})

    assert missing.status_code == 422
    assert unknown.status_code == 422
    assert "lost_reason_id" in unknown.json()["details"]
    assert lost.json()["lost_reason"]["name"] == "Price too high"


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "A", "amount": "-1"}, "amount"),
        ({"title": "A", "amount": "abc"}, "amount"),
        ({"title": "A", "amount": "1.001"}, "amount"),
        ({"title": "A", "probability": 150}, "probability"),
        ({"title": "A", "priority": "high"}, "priority"),
        ({"amount": "1"}, "title"),
        ({"title": "A", "lines": [{"product_id": "{product}", "quantity": 0}]}, "lines.0.quantity"),
        (
            {"title": "A", "lines": [{"product_id": "{product}", "discount": "-1"}]},
            "lines.0.discount",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(as_alice, pipeline, body, field):
    product = Product.objects.create(sku="T1", name="龙井", unit_price="388.00")
    for line in body.get("lines", []):
        line["product_id"] = product.pk

    response = as_alice.post("/deals", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]
    assert not Deal.objects.exists()


def test_a_deal_for_a_customer_you_cannot_see_is_404(as_charlie, east_person, pipeline):
    response = as_charlie.post("/deals", {"title": "A", "person_id": east_person.pk})

    assert response.status_code == 404
    assert not Deal.objects.exists()


# --- Visibility ----------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/deals/{deal}", None),
    ("patch", "/deals/{deal}", lambda ids: {"title": "mine now", "version": 1}),
    ("delete", "/deals/{deal}", None),
    ("post", "/deals/{deal}/move", lambda ids: {"stage_id": ids["proposal"]}),
    ("post", "/deals/{deal}/win", lambda ids: {}),
    ("post", "/deals/{deal}/lose", lambda ids: {"lost_reason_id": ids["reason"]}),
    ("post", "/deals/{deal}/reopen", lambda ids: {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_teams_deal_answers_404_and_stays_untouched(
    as_charlie, east_deal, stages, reason, method, path, body
):
    ids = {"deal": east_deal.pk, "proposal": stages["proposal"].pk, "reason": reason.pk}
    args = (body(ids),) if body is not None else ()

    response = getattr(as_charlie, method)(path.format(**ids), *args)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    deal = Deal.objects.get(pk=east_deal.pk)
    assert (deal.title, deal.stage_id, deal.version) == ("年度茶叶采购", east_deal.stage_id, 1)


def test_other_teams_deals_are_not_listed(as_charlie, as_bob, east_deal):
    assert as_charlie.get("/deals").json()["items"] == []
    assert [d["id"] for d in as_bob.get("/deals").json()["items"]] == [east_deal.pk]


# --- Pipelines, stages, lost reasons, quotas ---------------------------------------------------


def test_everyone_reads_pipelines_with_their_stages(as_charlie, pipeline):
    body = as_charlie.get("/pipelines").json()

    assert body["items"][0]["name"] == "Sales"
    assert [s["kind"] for s in body["items"][0]["stages"]] == [
        "open",
        "open",
        "open",
        "open",
        "won",
        "lost",
    ]


def test_only_administrators_change_pipelines(as_alice, as_admin, pipeline):
    refused = as_alice.post("/pipelines", {"name": "Distributors"})
    created = as_admin.post("/pipelines", {"name": "Distributors"})

    assert refused.status_code == 403
    assert created.status_code == 201
    assert Pipeline.objects.filter(name="Distributors").count() == 1


def test_deleting_a_pipeline_in_use_is_409(as_admin, east_deal, pipeline):
    response = as_admin.delete(f"/pipelines/{pipeline.pk}")

    assert response.status_code == 409
    assert response.json()["code"] == "in_use"


def test_stage_crud(as_admin, pipeline):
    created = as_admin.post(
        f"/pipelines/{pipeline.pk}/stages", {"name": "Contract", "probability": 90}
    )
    stage_id = created.json()["id"]
    patched = as_admin.patch(f"/stages/{stage_id}", {"stale_after_days": 5})
    deleted = as_admin.delete(f"/stages/{stage_id}")

    assert created.status_code == 201
    assert patched.json()["stale_after_days"] == 5
    assert deleted.status_code == 204


def test_stage_order(as_admin, pipeline):
    ids = list(pipeline.stages.order_by("-position").values_list("pk", flat=True))

    response = as_admin.put(f"/pipelines/{pipeline.pk}/stage-order", {"stage_ids": ids})

    assert [s["id"] for s in response.json()["stages"]] == ids


def test_lost_reason_crud(as_admin):
    created = as_admin.post("/lost-reasons", {"name": "Chose a competitor"})
    reason_id = created.json()["id"]

    assert as_admin.patch(f"/lost-reasons/{reason_id}", {"is_active": False}).status_code == 200
    assert as_admin.delete(f"/lost-reasons/{reason_id}").status_code == 204


def test_manager_sets_a_quota_for_a_team_member(diana, alice):
    from rapport.api.tests.conftest import client_for

    as_diana = client_for(diana)

    response = as_diana.put(
        "/quotas",
        {"user_id": alice.pk, "period": "month", "period_start": "2026-05-17", "amount": "50000"},
    )

    assert response.status_code == 200
    assert response.json()["period_start"] == "2026-05-01"
    assert response.json()["amount"] == "50000.00"


def test_rep_cannot_set_quotas(as_alice, alice):
    response = as_alice.put(
        "/quotas",
        {"user_id": alice.pk, "period": "month", "period_start": "2026-05-01", "amount": "1"},
    )

    assert response.status_code == 403
    assert not Quota.objects.exists()


def test_forecast_report(as_alice, alice, pipeline):
    response = as_alice.get("/reports/forecast")

    assert response.status_code == 200
    assert len(response.json()["total"]) == 2
    assert response.json()["currency"] == "CNY"


def test_deal_endpoints_are_in_the_openapi_schema(as_alice):
    paths = as_alice.get("/openapi.json").json()["paths"]

    for path in (
        "/api/v1/deals",
        "/api/v1/deals/{deal_id}",
        "/api/v1/deals/{deal_id}/move",
        "/api/v1/deals/{deal_id}/win",
        "/api/v1/deals/{deal_id}/lose",
        "/api/v1/pipelines",
        "/api/v1/stages/{stage_id}",
    ):
        assert path in paths
