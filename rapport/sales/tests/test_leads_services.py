"""Lead services: capture, scoring with reasons, fair assignment, follow-ups, conversion."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.activities.models import Task, TaskStatus, TimelineEntry
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create, person_create
from rapport.sales.models import Deal, Lead, LeadStatus
from rapport.sales.models.leads import LeadCaptureChannel, LeadEventKind
from rapport.sales.selectors.leads import LeadFilters, get_lead_for_user, leads_list
from rapport.sales.services import leads as services
from rapport.sales.services.catalog import product_create


@pytest.fixture(autouse=True)
def _follow_up_after_three_days(settings):
    settings.RAPPORT_LEAD_FOLLOW_UP_DAYS = 3


def _rule(admin, **data):
    return services.lead_scoring_rule_create(actor=admin, data=data)


def _lead(actor, **data):
    return services.lead_create(actor=actor, data={"full_name": "王芳", **data})


def _reasons(lead):
    return [(r["points"], r["reason"]) for r in lead.score_reasons]


# --- Create and update ---------------------------------------------------------------------------


def test_lead_phone_and_email_are_normalised_like_persons(alice):
    lead = _lead(alice, phone="138 0013 8000", email=" Wang.Fang@Example.CN ")

    assert lead.phone == "+8613800138000"
    assert lead.email == "wang.fang@example.cn"
    assert (lead.owner, lead.team) == (alice, alice.team)


def test_lead_with_invalid_phone_and_no_name_reports_both_fields(alice):
    with pytest.raises(ValidationFailed) as caught:
        services.lead_create(actor=alice, data={"full_name": " ", "phone": "12345"})

    assert set(caught.value.details) == {"full_name", "phone"}
    assert not Lead.objects.exists()


def test_rep_cannot_give_a_new_lead_to_another_team(alice, charlie):
    with pytest.raises(ValidationFailed) as caught:
        _lead(alice, owner_id=charlie.pk)

    assert "owner_id" in caught.value.details


def test_lead_records_how_it_was_captured_and_the_inquiry(alice):
    lead = services.lead_create(
        actor=alice,
        data={"full_name": "王芳", "message": "想了解报价", "source": "trade_show"},
        channel=LeadCaptureChannel.API,
    )

    kinds = list(lead.events.order_by("pk").values_list("kind", "data__via"))
    assert kinds == [(LeadEventKind.CREATED, "api"), (LeadEventKind.INQUIRY, None)]
    assert lead.events.get(kind=LeadEventKind.INQUIRY).body == "想了解报价"


def test_update_with_stale_version_is_a_conflict(alice, bob):
    lead = _lead(alice)
    services.lead_update(actor=bob, lead=lead, data={"city": "杭州"}, version=lead.version)

    with pytest.raises(Conflict):
        services.lead_update(actor=alice, lead=lead, data={"city": "上海"}, version=1)

    lead.refresh_from_db()
    assert lead.city == "杭州"


def test_status_cannot_be_set_to_converted_by_an_edit(alice):
    lead = _lead(alice)

    with pytest.raises(ValidationFailed) as caught:
        services.lead_update(actor=alice, lead=lead, data={"status": "converted"}, version=None)

    assert "status" in caught.value.details


def test_logging_a_contact_marks_a_new_lead_contacted(alice):
    lead = _lead(alice)

    services.lead_event_add(actor=alice, lead=lead, kind="contact", channel="call", body="聊过")

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    assert lead.last_contacted_at is not None


# --- Scoring -------------------------------------------------------------------------------------


def test_score_is_the_sum_of_rules_that_hold_with_signed_reasons(admin_user, alice):
    _rule(
        admin_user,
        label="budget confirmed",
        kind="field_equals",
        field="budget_confirmed",
        value="yes",
        points=20,
    )
    _rule(admin_user, label="trade show", kind="source_is", value="trade_show", points=15)
    _rule(admin_user, label="referral", kind="source_is", value="referral", points=30)
    _rule(admin_user, label="big budget", kind="budget_at_least", value="100000", points=25)

    lead = _lead(alice, source="trade_show", budget="150000", data={"budget_confirmed": "是"})

    assert lead.score == 60
    assert _reasons(lead) == [(20, "budget confirmed"), (15, "trade show"), (25, "big budget")]


def test_score_is_clamped_between_0_and_100(admin_user, alice):
    _rule(admin_user, label="web", kind="source_is", value="web", points=80)
    _rule(admin_user, label="has email", kind="field_filled", field="email", points=80)
    _rule(
        admin_user,
        label="no company",
        kind="field_equals",
        field="company_name",
        value="个人",
        points=-100,
    )

    high = _lead(alice, source="web", email="a@example.cn")
    low = _lead(alice, company_name="个人")

    assert high.score == 100
    assert low.score == 0
    assert _reasons(low) == [(-100, "no company")]


def test_score_is_recomputed_when_the_lead_changes(admin_user, alice):
    _rule(admin_user, label="budget over 50k", kind="budget_at_least", value="50000", points=30)
    lead = _lead(alice)
    assert lead.score == 0

    services.lead_update(actor=alice, lead=lead, data={"budget": "80000"}, version=None)

    lead.refresh_from_db()
    assert lead.score == 30
    assert _reasons(lead) == [(30, "budget over 50k")]


def test_interactions_raise_the_score_when_they_reach_the_threshold(admin_user, alice):
    _rule(admin_user, label="engaged", kind="interactions_at_least", value="2", points=10)
    lead = _lead(alice, message="first inquiry")
    assert lead.score == 0

    services.lead_event_add(actor=alice, lead=lead, kind="contact", channel="email")

    lead.refresh_from_db()
    assert _reasons(lead) == [(10, "engaged")]


def test_no_contact_for_n_days_subtracts_points_after_the_nightly_recompute(admin_user, alice):
    _rule(admin_user, label="no reply for 14 days", kind="no_reply_days", value="14", points=-10)
    _rule(admin_user, label="fresh", kind="created_within_days", value="3", points=15)
    lead = _lead(alice)
    assert _reasons(lead) == [(15, "fresh")]

    later = timezone.now() + datetime.timedelta(days=15)
    changed = services.lead_scores_recompute_all(now=later)

    lead.refresh_from_db()
    assert changed == 1
    assert lead.score == 0
    assert _reasons(lead) == [(-10, "no reply for 14 days")]
    assert services.lead_scores_recompute_all(now=later) == 0


def test_rescoring_does_not_bump_the_version_an_editor_holds(admin_user, alice):
    _rule(admin_user, label="fresh", kind="created_within_days", value="3", points=15)
    lead = _lead(alice)
    version = lead.version

    services.lead_scores_recompute_all(now=timezone.now() + datetime.timedelta(days=10))

    lead.refresh_from_db()
    assert (lead.score, lead.version) == (0, version)


def test_changing_the_rules_queues_a_rescore_of_open_leads_after_commit(
    admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("rapport.sales.tasks.recompute_lead_scores", lambda: queued.append(1))

    with django_capture_on_commit_callbacks(execute=True):
        rule = _rule(admin_user, label="web", kind="source_is", value="web", points=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_scoring_rule_update(actor=admin_user, rule=rule, data={"points": 7})

    assert queued == [1, 1]


def test_only_administrators_edit_scoring_rules(diana):
    with pytest.raises(PermissionDenied):
        _rule(diana, label="x", kind="source_is", value="web", points=5)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "source_is", "value": "fax"}, "value"),
        ({"kind": "budget_at_least", "value": "lots"}, "value"),
        ({"kind": "no_reply_days", "value": "-3"}, "value"),
        ({"kind": "field_equals", "field": "", "value": "x"}, "field"),
        ({"kind": "source_is", "value": "web", "points": 150}, "points"),
    ],
)
def test_invalid_scoring_rule_names_the_field(admin_user, data, field):
    with pytest.raises(ValidationFailed) as caught:
        _rule(admin_user, **{"label": "rule", "points": 5, **data})

    assert field in caught.value.details


# --- Assignment ----------------------------------------------------------------------------------


@pytest.fixture
def south(db):
    from rapport.accounts.services import team_create

    return team_create(name="South")


@pytest.fixture
def south_reps(south):
    return [
        user_create(username=f"rep{i}", password=PASSWORD, role=Role.SALES_REP, team=south)
        for i in range(3)
    ]


def _assignment_rule(admin, team, **data):
    return services.lead_assignment_rule_create(
        actor=admin, data={"name": "rule", "team_id": team.pk, **data}
    )


def _capture(admin, **fields):
    """A lead as a web form would bring it in (assigned by the rules, no actor)."""
    return services.lead_create(
        actor=admin, data={"full_name": "访客", **fields}, channel=LeadCaptureChannel.IMPORT
    )


def test_round_robin_gives_each_rep_the_same_number_of_leads(admin_user, south, south_reps):
    _assignment_rule(admin_user, south, method="round_robin")

    owners = [_capture(admin_user).owner for _ in range(7)]

    assert owners == [*south_reps, *south_reps, south_reps[0]]


def test_least_loaded_gives_the_lead_to_whoever_has_fewest_open_leads(
    admin_user, south, south_reps
):
    for _ in range(2):
        _lead(admin_user, owner_id=south_reps[0].pk)
    _lead(admin_user, owner_id=south_reps[1].pk)
    closed = _lead(admin_user, owner_id=south_reps[2].pk)
    services.lead_disqualify(actor=admin_user, lead=closed, reason="spam")
    _assignment_rule(admin_user, south, method="least_loaded")

    owners = [_capture(admin_user).owner for _ in range(3)]

    # Open leads before: 2, 1, 0 (the disqualified one does not count); ties go to the first rep.
    assert owners == [south_reps[2], south_reps[1], south_reps[2]]
    loads = [
        Lead.objects.filter(owner=r, status__in=services.OPEN_STATUSES).count() for r in south_reps
    ]
    assert loads == [2, 2, 2]


def test_first_matching_rule_by_position_wins(admin_user, east, south, south_reps, diana):
    _assignment_rule(admin_user, east, name="Zhejiang", region="浙江", position=1)
    _assignment_rule(admin_user, south, name="everything else", position=2)

    zhejiang = _capture(admin_user, region="浙江")
    guangdong = _capture(admin_user, region="广东")

    assert zhejiang.team == east
    assert guangdong.owner in south_reps
    assert zhejiang.events.get(kind=LeadEventKind.ASSIGNED).data["rule"] == "Zhejiang"


def test_rules_match_on_source_and_product_interest(admin_user, south, south_reps, east, diana):
    product = product_create(
        actor=admin_user, data={"sku": "CRM-1", "name": "CRM", "unit_price": "100"}
    )
    _assignment_rule(admin_user, east, source="referral", product_id=product.pk, position=1)
    _assignment_rule(admin_user, south, position=2)

    both = _capture(admin_user, source="referral", product_interest_id=product.pk)
    only_source = _capture(admin_user, source="referral")

    assert both.team == east
    assert only_source.team == south


def test_lead_without_matching_rule_waits_in_the_unassigned_queue(admin_user, diana, alice):
    lead = _capture(admin_user)

    assert lead.owner is None
    queue = leads_list(admin_user, LeadFilters(unassigned=True))
    assert list(queue) == [lead]


def test_team_without_sellers_keeps_the_lead_in_that_teams_queue(admin_user, south, diana):
    _assignment_rule(admin_user, south)

    lead = _capture(admin_user)

    assert (lead.owner, lead.team) == (None, south)


def test_manager_sees_the_teams_queue_and_hands_a_lead_out(admin_user, east, diana, alice, charlie):
    _assignment_rule(admin_user, east)
    east_lead = _capture(admin_user)
    Lead.objects.filter(pk=east_lead.pk).update(owner=None)

    queue = leads_list(diana, LeadFilters(unassigned=True))
    assert list(queue) == [east_lead]
    assert not leads_list(charlie, LeadFilters(unassigned=True)).exists()

    services.lead_assign_to(actor=diana, lead=east_lead, owner=alice)
    east_lead.refresh_from_db()
    assert east_lead.owner == alice


def test_rep_cannot_run_the_assignment_rules(alice):
    lead = _lead(alice)

    with pytest.raises(PermissionDenied):
        services.lead_assign(lead=lead, actor=alice)


# --- Follow-up tasks -----------------------------------------------------------------------------


def _follow_ups(lead):
    return Task.objects.filter(subject_id=lead.pk, subject_type__model="lead")


def test_new_lead_gives_its_owner_a_follow_up_n_days_after_the_inquiry(alice):
    lead = _lead(alice, message="想了解报价")

    task = _follow_ups(lead).get()
    assert task.assignee == alice
    assert task.due_at == lead.created_at + datetime.timedelta(days=3)
    assert task.subject_label == "王芳"


def test_follow_up_days_of_zero_means_no_task(settings, alice):
    settings.RAPPORT_LEAD_FOLLOW_UP_DAYS = 0

    lead = _lead(alice)

    assert not _follow_ups(lead).exists()


def test_queued_lead_gets_its_follow_up_when_assigned_and_only_once(admin_user, diana, alice, bob):
    lead = _capture(admin_user)
    assert not _follow_ups(lead).exists()

    services.lead_assign_to(actor=admin_user, lead=lead, owner=alice)
    services.lead_assign_to(actor=diana, lead=lead, owner=bob)

    task = _follow_ups(lead).get()
    assert task.assignee == bob
    assert task.due_at == lead.created_at + datetime.timedelta(days=3)


def test_disqualifying_cancels_the_open_follow_up(alice):
    lead = _lead(alice)

    services.lead_disqualify(actor=alice, lead=lead, reason="竞争对手")

    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, "竞争对手")
    assert _follow_ups(lead).get().status == TaskStatus.CANCELLED


def test_disqualify_needs_a_reason(alice):
    lead = _lead(alice)

    with pytest.raises(ValidationFailed) as caught:
        services.lead_disqualify(actor=alice, lead=lead, reason="  ")

    assert "reason" in caught.value.details


# --- Conversion ----------------------------------------------------------------------------------


def test_conversion_creates_person_company_and_deal(alice):
    lead = _lead(
        alice,
        phone="13900139000",
        email="wang@example.cn",
        company_name="杭州新材料有限公司",
        job_title="采购",
        budget="88000",
        message="需要 200 套",
    )

    lead = services.lead_convert(actor=alice, lead=lead)

    person, company, deal = lead.converted_person, lead.converted_company, lead.converted_deal
    assert lead.status == LeadStatus.CONVERTED
    assert (person.full_name, person.primary_phone, person.owner) == (
        "王芳",
        "+8613900139000",
        alice,
    )
    assert company.name == "杭州新材料有限公司"
    assert person.employments.get().company == company
    assert (deal.person, deal.company, deal.lead, deal.amount) == (
        person,
        company,
        lead,
        Decimal("88000.00"),
    )


def test_conversion_reuses_the_person_with_the_same_phone(alice):
    existing = person_create(
        actor=alice, data={"full_name": "王芳芳", "phones": [{"number": "139 0013 9000"}]}
    )
    lead = _lead(alice, phone="+86 139-0013-9000", email="new@example.cn")

    lead = services.lead_convert(actor=alice, lead=lead, create_deal=False)

    assert lead.converted_person == existing
    assert Person.objects.count() == 1
    assert set(existing.emails.values_list("email", flat=True)) == {"new@example.cn"}


def test_conversion_reuses_the_person_with_the_same_email_and_the_company_by_name(alice):
    company = company_create(actor=alice, data={"name": "杭州新材料有限公司"})
    existing = person_create(
        actor=alice, data={"full_name": "Fang Wang", "emails": [{"email": "WANG@example.cn"}]}
    )
    lead = _lead(alice, email="wang@example.cn", company_name="杭州新材料有限公司")

    lead = services.lead_convert(actor=alice, lead=lead, create_deal=False)

    assert (lead.converted_person, lead.converted_company) == (existing, company)
    assert Company.objects.count() == 1
    assert existing.employments.get().company == company


def test_conversion_does_not_match_a_person_the_actor_cannot_see(alice, charlie):
    person_create(actor=charlie, data={"full_name": "王芳", "phones": [{"number": "13900139000"}]})
    lead = _lead(alice, phone="13900139000")

    lead = services.lead_convert(actor=alice, lead=lead, create_deal=False)

    assert lead.converted_person.owner == alice
    assert Person.objects.count() == 2


def test_conversion_copies_the_lead_history_to_the_persons_timeline(alice):
    lead = _lead(alice, message="需要报价")
    services.lead_event_add(actor=alice, lead=lead, kind="note", body="预算已确认")
    services.lead_event_add(actor=alice, lead=lead, kind="contact", channel="call")

    lead = services.lead_convert(actor=alice, lead=lead, create_deal=False)

    entries = TimelineEntry.objects.filter(person=lead.converted_person, source_type="lead")
    kinds = list(entries.order_by("occurred_at", "pk").values_list("kind", flat=True))
    assert kinds == [
        "lead.created",
        "lead.inquiry",
        "lead.note",
        "lead.contact",
        "lead.converted",
    ]
    note = entries.get(kind="lead.note")
    assert note.body == "预算已确认"
    assert note.display_title == "Lead 王芳: Note"
    assert entries.get(kind="lead.contact").display_title == "Lead 王芳: Contact: Call"


def test_conversion_moves_the_follow_up_to_the_new_person(alice):
    lead = _lead(alice)

    lead = services.lead_convert(actor=alice, lead=lead, create_deal=False)

    assert _follow_ups(lead).get().person == lead.converted_person


def test_failed_conversion_saves_nothing(alice):
    lead = _lead(alice, phone="13900139000", company_name="某公司")

    with pytest.raises(ValidationFailed) as caught:
        services.lead_convert(actor=alice, lead=lead, deal_data={"probability": 300})

    assert "deal.probability" in caught.value.details
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not Person.objects.exists()
    assert not Company.objects.exists()
    assert not Deal.objects.exists()
    assert not TimelineEntry.objects.filter(source_type="lead").exists()


@pytest.mark.parametrize("close", ["convert", "disqualify"])
def test_a_closed_lead_cannot_be_converted(alice, close):
    lead = _lead(alice)
    if close == "convert":
        services.lead_convert(actor=alice, lead=lead, create_deal=False)
    else:
        services.lead_disqualify(actor=alice, lead=lead, reason="无预算")

    with pytest.raises(services.LeadClosed):
        services.lead_convert(actor=alice, lead=lead)

    assert Person.objects.count() == (1 if close == "convert" else 0)


def test_converted_lead_is_read_only(alice):
    lead = _lead(alice)
    services.lead_convert(actor=alice, lead=lead, create_deal=False)

    with pytest.raises(services.LeadClosed):
        services.lead_update(actor=alice, lead=lead, data={"city": "北京"}, version=None)


def test_deleting_a_converted_lead_announces_its_deal_unlinked(alice):
    # The deal keeps its data but loses its link to the lead: the change feed, webhooks and
    # rules hear of it as a deal updated in its `lead` field, with the lead deleted.
    lead = services.lead_convert(actor=alice, lead=_lead(alice))
    deal, lead_pk = lead.converted_deal, lead.pk
    heard = []

    @subscribe(RecordChanged)
    def on_change(event):
        heard.append((event.record_type, event.record_id, event.operation, event.changed_fields))

    try:
        services.lead_delete(actor=alice, lead=lead)
    finally:
        _handlers[RecordChanged].remove(on_change)

    deal.refresh_from_db()
    assert deal.lead_id is None
    assert ("deal", deal.pk, "updated", ("lead",)) in heard
    assert ("lead", lead_pk, "deleted", ()) in heard


def test_reopening_a_disqualified_lead_by_setting_its_status(alice):
    lead = _lead(alice)
    services.lead_disqualify(actor=alice, lead=lead, reason="无预算")

    services.lead_update(actor=alice, lead=lead, data={"status": "qualified"}, version=None)

    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.QUALIFIED, "")


# --- Web form capture ----------------------------------------------------------------------------


@pytest.fixture
def contact_form(admin_user, east):
    return services.lead_form_create(
        actor=admin_user,
        data={
            "name": "官网咨询",
            "source": "web",
            "campaign": "2026 春季",
            "team_id": east.pk,
            "fields": [
                {"key": "full_name", "label": "姓名", "type": "text", "required": True},
                {"key": "phone", "label": "电话", "type": "tel", "required": True},
                {"key": "message", "label": "留言", "type": "textarea"},
                {
                    "key": "seats",
                    "label": "人数",
                    "type": "select",
                    "options": ["1-10", "11-50"],
                    "required": True,
                },
            ],
        },
    )


def test_form_lead_gets_the_forms_source_campaign_and_team_queue(contact_form, east):
    lead = services.lead_capture_from_form(
        form=contact_form,
        data={"full_name": "李雷", "phone": "13700137000", "seats": "11-50", "message": "hi"},
        ip="203.0.113.9",
    )

    assert (lead.source, lead.campaign, lead.team, lead.owner) == ("web", "2026 春季", east, None)
    assert lead.data == {"seats": "11-50"}
    assert lead.form == contact_form
    assert lead.events.get(kind=LeadEventKind.CREATED).data["ip"] == "203.0.113.9"


def test_form_submission_missing_required_answers_saves_nothing(contact_form):
    with pytest.raises(ValidationFailed) as caught:
        services.lead_capture_from_form(
            form=contact_form, data={"full_name": "李雷", "seats": "500+"}, ip="203.0.113.9"
        )

    assert set(caught.value.details) == {"phone", "seats"}
    assert not Lead.objects.exists()


def test_second_inquiry_from_the_same_phone_lands_on_the_open_lead(contact_form):
    data = {"full_name": "李雷", "phone": "13700137000", "seats": "1-10"}
    first = services.lead_capture_from_form(form=contact_form, data=data, ip="203.0.113.9")

    again = services.lead_capture_from_form(
        form=contact_form, data={**data, "message": "还在等报价"}, ip="203.0.113.9"
    )

    assert again == first
    assert Lead.objects.count() == 1
    assert list(first.events.filter(kind=LeadEventKind.INQUIRY).values_list("body", flat=True)) == [
        "",
        "还在等报价",
    ]


def test_filled_honeypot_is_accepted_but_saves_nothing(contact_form):
    result = services.lead_capture_from_form(
        form=contact_form,
        data={
            "full_name": "bot",
            "phone": "13700137000",
            "seats": "1-10",
            services.HONEYPOT_FIELD: "http://spam.example",
        },
        ip="203.0.113.9",
    )

    assert result is None
    assert not Lead.objects.exists()


def test_form_submissions_over_the_per_ip_limit_are_refused(settings, contact_form):
    from django.core.cache import cache

    cache.clear()
    settings.RAPPORT_LEAD_FORM_RATE_LIMIT = 2
    data = {"full_name": "李雷", "phone": "13700137000", "seats": "1-10"}
    for _ in range(2):
        services.lead_capture_from_form(form=contact_form, data=data, ip="198.51.100.1")

    with pytest.raises(services.RateLimited):
        services.lead_capture_from_form(form=contact_form, data=data, ip="198.51.100.1")
    services.lead_capture_from_form(form=contact_form, data=data, ip="198.51.100.2")


@pytest.mark.parametrize(
    ("fields", "error_key"),
    [
        ([{"key": "phone", "label": "电话"}], "fields"),
        ([{"key": "full_name", "label": "姓名"}], "fields"),
        (
            [
                {"key": "full_name", "label": "姓名"},
                {"key": "email", "label": "邮箱"},
                {"key": "email", "label": "again"},
            ],
            "fields.2.key",
        ),
        (
            [
                {"key": "full_name", "label": "姓名"},
                {"key": "email", "label": "邮箱"},
                {"key": "hp_website", "label": "x"},
            ],
            "fields.2.key",
        ),
        ([{"key": "full_name", "label": "姓名"}, {"key": "email", "label": ""}], "fields.1.label"),
    ],
)
def test_invalid_form_designs_are_refused(admin_user, fields, error_key):
    with pytest.raises(ValidationFailed) as caught:
        services.lead_form_create(actor=admin_user, data={"name": "f", "fields": fields})

    assert error_key in caught.value.details


def test_only_administrators_design_forms(diana):
    with pytest.raises(PermissionDenied):
        services.lead_form_create(actor=diana, data={"name": "f"})


# --- Visibility ----------------------------------------------------------------------------------


def test_other_teams_lead_is_not_found(alice, charlie):
    lead = _lead(alice)

    with pytest.raises(NotFound):
        get_lead_for_user(charlie, lead.pk)


def test_lead_without_owner_or_team_is_only_administrators(admin_user, alice, diana):
    lead = _capture(admin_user)

    assert get_lead_for_user(admin_user, lead.pk) == lead
    for user in (alice, diana):
        with pytest.raises(NotFound):
            get_lead_for_user(user, lead.pk)
