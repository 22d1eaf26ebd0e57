"""The lead pages: visibility, constant queries on the list, forms with field errors, actions,
and the administrators' settings pages."""

import json
import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.activities.models import Task
from rapport.customers.models import Person
from rapport.customers.services import person_create
from rapport.sales.models import Lead, LeadAssignmentRule, LeadForm, LeadScoringRule, LeadStatus
from rapport.sales.models.leads import LeadCaptureChannel
from rapport.sales.services import leads as services


@pytest.fixture
def lead(alice):
    return services.lead_create(
        actor=alice,
        data={
            "full_name": "王芳",
            "phone": "13900139000",
            "company_name": "杭州新材料有限公司",
            "message": "想了解报价",
        },
    )


def _make_leads(owner, count, start=0):
    for i in range(start, start + count):
        services.lead_create(
            actor=owner,
            data={"full_name": f"线索{i}", "email": f"l{i}@example.cn", "campaign": "春季"},
        )


# --- List ----------------------------------------------------------------------------------------


def test_lead_list_shows_the_teams_leads_highest_score_first(client, admin_user, alice, bob):
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "referral", "kind": "source_is", "value": "referral", "points": 40},
    )
    services.lead_create(actor=alice, data={"full_name": "普通线索"})
    services.lead_create(actor=bob, data={"full_name": "推荐线索", "source": "referral"})
    client.force_login(alice)

    response = client.get(reverse("sales:lead_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("推荐线索") < html.index("普通线索")


def test_lead_list_hides_other_teams_leads(client, alice, charlie, lead):
    services.lead_create(actor=charlie, data={"full_name": "West lead"})
    client.force_login(charlie)

    html = client.get(reverse("sales:lead_list")).content.decode()

    assert "West lead" in html
    assert "王芳" not in html


def test_lead_list_queries_do_not_grow_with_rows(client, alice, django_assert_max_num_queries):
    _make_leads(alice, 3)
    client.force_login(alice)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("sales:lead_list"))
    _make_leads(alice, 20, start=3)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("sales:lead_list"))

    assert response.content.decode().count('data-testid="lead-row"') == 23


def test_lead_list_filters_by_campaign_and_status(client, alice, lead):
    _make_leads(alice, 2)
    services.lead_disqualify(actor=alice, lead=lead, reason="spam")
    client.force_login(alice)

    by_campaign = client.get(reverse("sales:lead_list"), {"campaign": "春季"}).content.decode()
    disqualified = client.get(
        reverse("sales:lead_list"), {"status": "disqualified"}
    ).content.decode()

    assert by_campaign.count('data-testid="lead-row"') == 2
    assert "王芳" not in by_campaign
    assert disqualified.count('data-testid="lead-row"') == 1
    assert "王芳" in disqualified


def test_queue_lists_only_unowned_open_leads(client, admin_user, east, diana, lead):
    queued = services.lead_create(
        actor=admin_user,
        data={"full_name": "排队线索", "team_id": east.pk},
        channel=LeadCaptureChannel.IMPORT,
    )
    client.force_login(diana)

    html = client.get(reverse("sales:lead_list"), {"unassigned": "1"}).content.decode()

    assert queued.owner is None
    assert "排队线索" in html
    assert "王芳" not in html


# --- Another team's lead is 404 everywhere -------------------------------------------------------

PAGES = [
    ("get", "sales:lead_detail", {}),
    ("get", "sales:lead_edit", {}),
    ("post", "sales:lead_edit", {"full_name": "mine"}),
    ("post", "sales:lead_delete", {}),
    ("post", "sales:lead_event_add", {"kind": "note", "body": "hi"}),
    ("post", "sales:lead_assign", {"action": "take"}),
    ("post", "sales:lead_disqualify", {"reason": "x"}),
    ("get", "sales:lead_convert", {}),
    ("post", "sales:lead_convert", {"create_deal": ""}),
]


@pytest.mark.parametrize(("method", "name", "data"), PAGES)
def test_other_teams_lead_answers_404_and_stays_untouched(
    client, charlie, lead, method, name, data
):
    client.force_login(charlie)

    response = getattr(client, method)(reverse(name, args=[lead.pk]), data)

    assert response.status_code == 404
    lead.refresh_from_db()
    assert (lead.full_name, lead.status, lead.owner_id) == ("王芳", LeadStatus.NEW, lead.owner_id)
    assert lead.events.count() == 2
    assert not Person.objects.exists()


# --- Create and edit -----------------------------------------------------------------------------


def test_create_form_shows_field_errors_and_saves_nothing(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("sales:lead_create"), {"full_name": "", "phone": "12345", "source": "web"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-full_name"' in html
    assert 'data-testid="error-phone"' in html
    assert not Lead.objects.exists()


def test_created_lead_opens_with_its_score_reasons_and_follow_up(client, admin_user, alice):
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "budget confirmed", "kind": "budget_at_least", "value": "1", "points": 20},
    )
    services.lead_scoring_rule_create(
        actor=admin_user,
        data={
            "label": "no company",
            "kind": "field_equals",
            "field": "company_name",
            "value": "个人",
            "points": -10,
        },
    )
    client.force_login(alice)

    response = client.post(
        reverse("sales:lead_create"),
        {
            "full_name": "王芳",
            "phone": "139 0013 9000",
            "source": "web",
            "budget": "5000",
            "company_name": "个人",
        },
        follow=True,
    )

    lead = Lead.objects.get()
    assert response.redirect_chain[-1][0] == reverse("sales:lead_detail", args=[lead.pk])
    html = response.content.decode()
    assert re.search(r'data-testid="lead-score"[^>]*>10<', html)
    assert "<strong>+20</strong> budget confirmed" in html
    assert "<strong>−10</strong> no company" in html
    assert 'data-testid="lead-task"' in html


def test_edit_with_a_stale_version_keeps_the_input_and_explains(client, alice, bob, lead):
    client.force_login(alice)
    form_version = lead.version
    services.lead_update(actor=bob, lead=lead, data={"city": "杭州"}, version=None)

    response = client.post(
        reverse("sales:lead_edit", args=[lead.pk]),
        {
            "full_name": "王芳",
            "city": "上海",
            "source": "other",
            "status": "new",
            "version": form_version,
        },
    )

    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.city == "杭州"


# --- Actions -------------------------------------------------------------------------------------


def test_adding_a_note_puts_it_in_the_history(client, alice, lead):
    client.force_login(alice)

    response = client.post(
        reverse("sales:lead_event_add", args=[lead.pk]),
        {"kind": "note", "body": "客户预算已确认"},
        follow=True,
    )

    assert "客户预算已确认" in response.content.decode()
    assert lead.events.filter(kind="note", body="客户预算已确认").exists()


def test_empty_note_shows_an_error(client, alice, lead):
    client.force_login(alice)

    response = client.post(reverse("sales:lead_event_add", args=[lead.pk]), {"kind": "note"})

    assert response.status_code == 200
    assert 'data-testid="error-body"' in response.content.decode()


def test_disqualify_without_reason_shows_an_error(client, alice, lead):
    client.force_login(alice)

    response = client.post(reverse("sales:lead_disqualify", args=[lead.pk]), {"reason": ""})

    assert 'data-testid="error-reason"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_rep_takes_a_lead_from_the_queue(client, admin_user, east, alice):
    queued = services.lead_create(
        actor=admin_user,
        data={"full_name": "排队线索", "team_id": east.pk},
        channel=LeadCaptureChannel.IMPORT,
    )
    client.force_login(alice)

    client.post(reverse("sales:lead_assign", args=[queued.pk]), {"action": "take"})

    queued.refresh_from_db()
    assert queued.owner == alice
    assert Task.objects.filter(subject_id=queued.pk, assignee=alice).exists()


def test_rep_cannot_hand_a_lead_to_another_team(client, alice, charlie, lead):
    client.force_login(alice)

    response = client.post(
        reverse("sales:lead_assign", args=[lead.pk]), {"owner_id": str(charlie.pk)}
    )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.owner == alice


def test_convert_page_previews_the_existing_person_then_converts(client, alice, lead):
    existing = person_create(
        actor=alice, data={"full_name": "王芳", "phones": [{"number": "13900139000"}]}
    )
    client.force_login(alice)

    preview = client.get(reverse("sales:lead_convert", args=[lead.pk])).content.decode()
    response = client.post(
        reverse("sales:lead_convert", args=[lead.pk]),
        {"create_deal": "on", "title": "200 套", "amount": "90000"},
    )

    assert reverse("customers:person_detail", args=[existing.pk]) in preview
    assert response.status_code == 302
    assert response.url == reverse("customers:person_detail", args=[existing.pk])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_deal.title == "200 套"
    assert str(lead.converted_deal.amount) == "90000.00"


def test_convert_with_a_bad_amount_shows_the_error_on_the_field(client, alice, lead):
    client.force_login(alice)

    response = client.post(
        reverse("sales:lead_convert", args=[lead.pk]),
        {"create_deal": "on", "title": "x", "amount": "-5"},
    )

    assert response.status_code == 200
    assert 'data-testid="error-amount"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not Person.objects.exists()


def test_converted_lead_page_links_to_the_person(client, alice, lead):
    converted = services.lead_convert(actor=alice, lead=lead, create_deal=False)
    client.force_login(alice)

    html = client.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()

    assert reverse("customers:person_detail", args=[converted.converted_person_id]) in html
    assert 'data-testid="lead-convert"' not in html


# --- Settings ------------------------------------------------------------------------------------

SETTINGS_PAGES = [
    ("get", "sales:lead_scoring_rule_list"),
    ("post", "sales:lead_scoring_rule_list"),
    ("get", "sales:lead_assignment_rule_list"),
    ("post", "sales:lead_assignment_rule_list"),
    ("get", "sales:lead_form_list"),
    ("get", "sales:lead_form_create"),
    ("post", "sales:lead_form_create"),
]


@pytest.mark.parametrize(("method", "name"), SETTINGS_PAGES)
def test_settings_pages_are_for_administrators_only(client, diana, method, name):
    client.force_login(diana)

    response = getattr(client, method)(reverse(name), {"label": "x", "name": "x"})

    assert response.status_code == 403
    assert not LeadScoringRule.objects.exists()
    assert not LeadAssignmentRule.objects.exists()
    assert not LeadForm.objects.exists()


def test_admin_adds_a_scoring_rule_and_sees_errors_for_a_bad_value(client, admin_user):
    client.force_login(admin_user)
    url = reverse("sales:lead_scoring_rule_list")

    bad = client.post(
        url,
        {
            "label": "stale",
            "kind": "no_reply_days",
            "value": "soon",
            "points": "-10",
            "is_active": "on",
        },
    )
    good = client.post(
        url,
        {
            "label": "stale",
            "kind": "no_reply_days",
            "value": "14",
            "points": "-10",
            "is_active": "on",
        },
    )

    assert 'data-testid="error-value"' in bad.content.decode()
    assert good.status_code == 302
    rule = LeadScoringRule.objects.get()
    assert (rule.kind, rule.value, rule.points) == ("no_reply_days", "14", -10)


def test_admin_adds_an_assignment_rule(client, admin_user, east):
    client.force_login(admin_user)

    response = client.post(
        reverse("sales:lead_assignment_rule_list"),
        {
            "name": "浙江",
            "region": "浙江",
            "team_id": str(east.pk),
            "method": "least_loaded",
            "position": "1",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    rule = LeadAssignmentRule.objects.get()
    assert (rule.team, rule.method, rule.region) == (east, "least_loaded", "浙江")


def _designer_post(**rows):
    data = {
        "name": "官网咨询",
        "source": "web",
        "campaign": "春季",
        "is_active": "on",
        "thank_you_text": "谢谢！",
    }
    for index, row in rows.items():
        for part, value in row.items():
            data[f"fields-{index}-{part}"] = value
    return data


def test_admin_designs_a_form_in_the_order_of_the_page(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("sales:lead_form_create"),
        _designer_post(
            **{
                "0": {"key": "full_name", "label": "姓名", "type": "text"},
                "3": {
                    "key": "seats",
                    "label": "人数",
                    "type": "select",
                    "options": "1-10\n11-50",
                    "required": "on",
                },
                "1": {"key": "email", "label": "邮箱", "type": "email", "required": "on"},
                "2": {"key": "", "label": ""},
            }
        ),
    )

    lead_form = LeadForm.objects.get()
    assert response.url == reverse("sales:lead_form_embed", args=[lead_form.pk])
    assert [f["key"] for f in lead_form.fields] == ["full_name", "email", "seats"]
    assert lead_form.fields[2]["options"] == ["1-10", "11-50"]
    assert [f["required"] for f in lead_form.fields] == [True, True, True]
    assert lead_form.thank_you_text == "谢谢！"


def test_invalid_design_comes_back_with_errors_on_its_rows(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("sales:lead_form_create"),
        _designer_post(
            **{
                "0": {"key": "full_name", "label": "姓名"},
                "1": {"key": "Bad Key", "label": "x"},
            }
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(re.search(r'id="designer-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert [f["key"] for f in data["fields"]] == ["full_name", "Bad Key"]
    assert "1.key" in data["errors"]
    assert 'data-testid="form-errors"' in html  # "must ask for a phone or an e-mail"
    assert not LeadForm.objects.exists()


def test_embed_page_gives_a_form_snippet_posting_to_the_public_url(client, admin_user):
    lead_form = services.lead_form_create(actor=admin_user, data={"name": "官网咨询"})
    client.force_login(admin_user)

    html = client.get(reverse("sales:lead_form_embed", args=[lead_form.pk])).content.decode()

    public_url = reverse("sales:lead_form_public", args=[lead_form.public_key])
    assert f'action="http://testserver{public_url}"' in html.replace("&quot;", '"')
    assert f"name=&quot;{services.HONEYPOT_FIELD}&quot;" in html
    assert "&lt;iframe" in html


def test_lead_page_and_history_speak_the_readers_language(client, east, lead):
    wang = user_create(
        username="wang", password=PASSWORD, role=Role.SALES_REP, team=east, language="zh-hans"
    )
    client.force_login(wang)

    html = client.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()

    assert "评分" in html
    assert "线索已创建（手动录入）" in html
