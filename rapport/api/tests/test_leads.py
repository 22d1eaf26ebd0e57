"""/api/v1/leads and the lead settings: CRUD, filters, keyset pages, actions, access."""

import pytest

from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.sales.models import Lead, LeadAssignmentRule, LeadForm, LeadScoringRule, LeadStatus
from rapport.sales.models.leads import LeadCaptureChannel
from rapport.sales.services import leads as services


@pytest.fixture
def east_lead(alice):
    return services.lead_create(
        actor=alice,
        data={
            "full_name": "王芳",
            "phone": "13900139000",
            "email": "wang@example.cn",
            "company_name": "杭州新材料有限公司",
            "message": "需要报价",
        },
    )


# --- Create, read, update, delete ----------------------------------------------------------------


def test_create_normalises_contacts_scores_and_records_the_api_channel(as_alice, admin_user):
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "big budget", "kind": "budget_at_least", "value": "50000", "points": 30},
    )

    response = as_alice.post(
        "/leads",
        {"full_name": "李雷", "phone": "137 0013 7000", "budget": "80000", "source": "ads"},
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["phone"], body["score"], body["budget"]) == ("+8613700137000", 30, "80000.00")
    assert body["score_reasons"] == [{"points": 30, "reason": "big budget"}]
    assert body["owner"]["name"] == "alice"
    lead = Lead.objects.get()
    assert lead.events.get(kind="created").data["via"] == LeadCaptureChannel.API


def test_create_reports_every_bad_field(as_alice):
    response = as_alice.post("/leads", {"full_name": "", "email": "not-an-email", "budget": "-1"})

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert set(body["details"]) == {"full_name", "email", "budget"}
    assert not Lead.objects.exists()


def test_create_rejects_owner_and_auto_assign_together(as_alice, alice):
    response = as_alice.post(
        "/leads", {"full_name": "李雷", "owner_id": alice.pk, "auto_assign": True}
    )

    assert response.status_code == 422
    assert "owner_id" in response.json()["details"]


def test_detail_and_update_with_version(as_alice, as_bob, east_lead):
    loaded = as_alice.get(f"/leads/{east_lead.pk}").json()
    as_bob.patch(f"/leads/{east_lead.pk}", {"city": "杭州", "version": loaded["version"]})

    stale = as_alice.patch(f"/leads/{east_lead.pk}", {"city": "上海", "version": loaded["version"]})
    reloaded = as_alice.get(f"/leads/{east_lead.pk}").json()
    fresh = as_alice.patch(
        f"/leads/{east_lead.pk}", {"status": "qualified", "version": reloaded["version"]}
    )

    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert fresh.status_code == 200
    assert (fresh.json()["city"], fresh.json()["status"]) == ("杭州", "qualified")


def test_delete_removes_the_lead(as_alice, east_lead):
    response = as_alice.delete(f"/leads/{east_lead.pk}")

    assert response.status_code == 204
    assert not Lead.objects.exists()


# --- List ----------------------------------------------------------------------------------------


def test_list_filters_and_sorts_by_score(as_alice, admin_user, alice):
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "referral", "kind": "source_is", "value": "referral", "points": 50},
    )
    services.lead_create(actor=alice, data={"full_name": "甲", "campaign": "春季"})
    services.lead_create(
        actor=alice, data={"full_name": "乙", "campaign": "春季", "source": "referral"}
    )
    services.lead_create(actor=alice, data={"full_name": "丙", "campaign": "秋季"})

    response = as_alice.get("/leads", {"campaign": "春季"})

    names = [item["full_name"] for item in response.json()["items"]]
    assert names == ["乙", "甲"]


def test_unassigned_filter_is_the_queue(as_admin, admin_user, east_lead):
    services.lead_create(
        actor=admin_user, data={"full_name": "排队"}, channel=LeadCaptureChannel.IMPORT
    )

    response = as_admin.get("/leads", {"unassigned": "true"})

    assert [item["full_name"] for item in response.json()["items"]] == ["排队"]


def test_keyset_pages_walk_every_lead_once(as_alice, alice):
    for i in range(7):
        services.lead_create(actor=alice, data={"full_name": f"线索{i}"})
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "sort": "-score"} | ({"cursor": cursor} if cursor else {})
        page = as_alice.get("/leads", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == sorted(Lead.objects.values_list("pk", flat=True))
    assert len(seen) == 7


def test_own_and_team_leads_merge_in_score_order_across_pages(
    as_alice, admin_user, alice, bob, west
):
    # Alice's own leads, some still on another team (she owns them, so she sees them), and her
    # team's leads owned by bob: the list reads each part in index order and merges them.
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "referral", "kind": "source_is", "value": "referral", "points": 30},
    )
    for i in range(4):
        source = "referral" if i % 2 else "web"
        services.lead_create(actor=alice, data={"full_name": f"A{i}", "source": source})
        services.lead_create(actor=bob, data={"full_name": f"B{i}", "source": source})
    Lead.objects.filter(full_name="A0").update(team=west)
    Lead.objects.filter(owner=bob, full_name="B3").update(team=west)  # not hers, not her team's

    seen, cursor = [], None
    while True:
        params = {"limit": 3, "sort": "-score"} | ({"cursor": cursor} if cursor else {})
        page = as_alice.get("/leads", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    expected = list(
        Lead.objects.exclude(full_name="B3").order_by("-score", "-id").values_list("pk", flat=True)
    )
    assert seen == expected


def test_list_queries_do_not_grow_with_rows(as_alice, alice, django_assert_max_num_queries):
    for i in range(3):
        services.lead_create(actor=alice, data={"full_name": f"线索{i}"})
    with django_assert_max_num_queries(10) as few:
        as_alice.get("/leads")
    for i in range(3, 25):
        services.lead_create(actor=alice, data={"full_name": f"线索{i}"})

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_alice.get("/leads", {"limit": 25})

    assert len(response.json()["items"]) == 25


def test_bad_sort_is_a_422(as_alice):
    response = as_alice.get("/leads", {"sort": "password"})

    assert response.status_code == 422
    assert "sort" in response.json()["details"]


# --- Actions -------------------------------------------------------------------------------------


def test_convert_reuses_the_person_and_answers_the_converted_lead(as_alice, alice, east_lead):
    existing = person_create(
        actor=alice, data={"full_name": "Fang", "emails": [{"email": "WANG@example.cn"}]}
    )

    response = as_alice.post(
        f"/leads/{east_lead.pk}/convert", {"deal": {"title": "200 套", "amount": "90000"}}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "converted"
    assert body["converted_person_id"] == existing.pk
    assert body["converted_deal_id"] is not None
    assert Person.objects.count() == 1


def test_converting_twice_is_a_409(as_alice, east_lead):
    as_alice.post(f"/leads/{east_lead.pk}/convert", {"create_deal": False})

    again = as_alice.post(f"/leads/{east_lead.pk}/convert", {})
    version = as_alice.get(f"/leads/{east_lead.pk}").json()["version"]
    edit = as_alice.patch(f"/leads/{east_lead.pk}", {"city": "北京", "version": version})

    assert again.status_code == 409
    assert again.json()["code"] == "lead_closed"
    assert edit.status_code == 409


def test_convert_with_bad_deal_input_names_the_deal_field(as_alice, east_lead):
    response = as_alice.post(f"/leads/{east_lead.pk}/convert", {"deal": {"probability": 300}})

    assert response.status_code == 422
    assert "deal.probability" in response.json()["details"]
    assert Lead.objects.get().status == LeadStatus.NEW


def test_disqualify_needs_a_reason(as_alice, east_lead):
    missing = as_alice.post(f"/leads/{east_lead.pk}/disqualify", {"reason": " "})
    done = as_alice.post(f"/leads/{east_lead.pk}/disqualify", {"reason": "预算不足"})

    assert missing.status_code == 422
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["disqualify_reason"]) == (
        "disqualified",
        "预算不足",
    )


def test_history_can_be_read_and_extended(as_alice, east_lead):
    added = as_alice.post(
        f"/leads/{east_lead.pk}/events", {"kind": "contact", "channel": "call", "body": "聊过"}
    )
    history = as_alice.get(f"/leads/{east_lead.pk}/events").json()["items"]

    assert added.status_code == 201
    assert added.json()["title"] == "Contact: Call"
    assert [e["kind"] for e in history] == ["contact", "inquiry", "created"]
    assert as_alice.get(f"/leads/{east_lead.pk}").json()["status"] == "contacted"


def test_rep_takes_a_queued_lead_but_cannot_run_the_rules(as_alice, admin_user, alice, east):
    queued = services.lead_create(
        actor=admin_user,
        data={"full_name": "排队", "team_id": east.pk},
        channel=LeadCaptureChannel.IMPORT,
    )

    by_rules = as_alice.post(f"/leads/{queued.pk}/assign", {"by_rules": True})
    taken = as_alice.post(f"/leads/{queued.pk}/assign", {"owner_id": alice.pk})

    assert by_rules.status_code == 403
    assert taken.status_code == 200
    assert taken.json()["owner"]["id"] == alice.pk


@pytest.mark.parametrize("body", [{}, {"owner_id": 1, "by_rules": True}])
def test_assign_needs_exactly_one_of_owner_or_rules(as_alice, east_lead, body):
    response = as_alice.post(f"/leads/{east_lead.pk}/assign", body)

    assert response.status_code == 422


# --- Another team's lead is 404 everywhere -------------------------------------------------------

ENDPOINTS = [
    ("get", "/leads/{lead}", None),
    ("patch", "/leads/{lead}", {"full_name": "mine now", "version": 1}),
    ("delete", "/leads/{lead}", None),
    ("get", "/leads/{lead}/events", None),
    ("post", "/leads/{lead}/events", {"kind": "note", "body": "mine"}),
    ("post", "/leads/{lead}/convert", {}),
    ("post", "/leads/{lead}/disqualify", {"reason": "mine"}),
    ("post", "/leads/{lead}/assign", {"by_rules": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_teams_lead_answers_404_and_is_untouched(as_charlie, east_lead, method, path, body):
    call = getattr(as_charlie, method)
    args = (body,) if body is not None else ()

    response = call(path.format(lead=east_lead.pk), *args)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    east_lead.refresh_from_db()
    assert (east_lead.full_name, east_lead.status) == ("王芳", LeadStatus.NEW)
    assert east_lead.events.count() == 2
    assert not Person.objects.exists()


def test_other_teams_lead_is_not_listed(as_charlie, east_lead):
    assert as_charlie.get("/leads").json()["items"] == []


def test_hidden_lead_looks_exactly_like_a_missing_one(as_charlie, east_lead):
    assert as_charlie.get(f"/leads/{east_lead.pk}").json() == as_charlie.get("/leads/999999").json()


def test_anonymous_callers_are_refused(anonymous, east_lead):
    assert anonymous.get("/leads").status_code == 401


# --- Settings: administrators only ---------------------------------------------------------------


@pytest.fixture
def settings_records(admin_user, east):
    return {
        "scoring": services.lead_scoring_rule_create(
            actor=admin_user,
            data={"label": "web", "kind": "source_is", "value": "web", "points": 5},
        ).pk,
        "assignment": services.lead_assignment_rule_create(
            actor=admin_user, data={"name": "all", "team_id": east.pk}
        ).pk,
        "form": services.lead_form_create(actor=admin_user, data={"name": "官网"}).pk,
    }


SETTINGS_ENDPOINTS = [
    ("get", "/lead-scoring-rules", None),
    (
        "post",
        "/lead-scoring-rules",
        {"label": "x", "kind": "source_is", "value": "ads", "points": 1},
    ),
    ("get", "/lead-scoring-rules/{scoring}", None),
    ("patch", "/lead-scoring-rules/{scoring}", {"points": 99}),
    ("delete", "/lead-scoring-rules/{scoring}", None),
    ("get", "/lead-assignment-rules", None),
    ("post", "/lead-assignment-rules", {"name": "x", "team_id": 1}),
    ("get", "/lead-assignment-rules/{assignment}", None),
    ("patch", "/lead-assignment-rules/{assignment}", {"name": "mine"}),
    ("delete", "/lead-assignment-rules/{assignment}", None),
    ("get", "/lead-forms", None),
    ("post", "/lead-forms", {"name": "x"}),
    ("get", "/lead-forms/{form}", None),
    ("patch", "/lead-forms/{form}", {"name": "mine"}),
    ("delete", "/lead-forms/{form}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SETTINGS_ENDPOINTS)
def test_lead_settings_are_403_for_everyone_but_administrators(
    as_alice, settings_records, method, path, body
):
    call = getattr(as_alice, method)
    args = (body,) if body is not None else ()

    response = call(path.format(**settings_records), *args)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert LeadScoringRule.objects.get().points == 5
    assert LeadAssignmentRule.objects.get().name == "all"
    assert LeadForm.objects.get().name == "官网"


def test_admin_manages_scoring_rules(as_admin):
    created = as_admin.post(
        "/lead-scoring-rules",
        {"label": "no reply for 14 days", "kind": "no_reply_days", "value": "14", "points": -10},
    )
    rule_id = created.json()["id"]
    bad = as_admin.patch(f"/lead-scoring-rules/{rule_id}", {"value": "soon"})
    changed = as_admin.patch(f"/lead-scoring-rules/{rule_id}", {"points": -15})
    listed = as_admin.get("/lead-scoring-rules").json()["items"]
    deleted = as_admin.delete(f"/lead-scoring-rules/{rule_id}")

    assert created.status_code == 201
    assert bad.status_code == 422
    assert changed.json()["points"] == -15
    assert [r["label"] for r in listed] == ["no reply for 14 days"]
    assert deleted.status_code == 204


def test_admin_manages_assignment_rules(as_admin, east, west):
    created = as_admin.post(
        "/lead-assignment-rules",
        {"name": "浙江", "region": "浙江", "team_id": east.pk, "method": "least_loaded"},
    )
    rule_id = created.json()["id"]
    moved = as_admin.patch(f"/lead-assignment-rules/{rule_id}", {"team_id": west.pk})
    no_team = as_admin.post("/lead-assignment-rules", {"name": "x", "team_id": 999999})

    assert created.status_code == 201
    assert created.json()["team"]["name"] == "East"
    assert moved.json()["team"]["name"] == "West"
    assert no_team.status_code == 422


def test_admin_manages_lead_forms(as_admin):
    created = as_admin.post(
        "/lead-forms",
        {
            "name": "展会",
            "source": "trade_show",
            "fields": [
                {"key": "full_name", "label": "姓名"},
                {"key": "phone", "label": "电话", "type": "tel", "required": True},
            ],
        },
    )
    body = created.json()
    without_contact = as_admin.patch(
        f"/lead-forms/{body['id']}", {"fields": [{"key": "full_name", "label": "姓名"}]}
    )

    assert created.status_code == 201
    assert body["submit_url"] == f"/sales/f/{body['public_key']}/"
    assert [f["key"] for f in body["fields"]] == ["full_name", "phone"]
    assert without_contact.status_code == 422
    assert as_admin.delete(f"/lead-forms/{body['id']}").status_code == 204


def test_openapi_describes_the_lead_actions(as_alice):
    paths = as_alice.get("/openapi.json").json()["paths"]

    assert "post" in paths["/api/v1/leads/{lead_id}/convert"]
    assert {"get", "post"} <= set(paths["/api/v1/leads"])
    assert "/api/v1/lead-scoring-rules" in paths
