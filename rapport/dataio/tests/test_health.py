"""Data health: figures, invalid contacts, duplicates, snapshots and the fix list."""

import datetime

import pytest
from django.utils import timezone

from rapport.customers.models import Company, Person, PersonEmail, PersonPhone
from rapport.customers.services import company_create, person_create, person_update, tag_create
from rapport.dataio.models import DataHealthSnapshot, InvalidContact
from rapport.dataio.selectors.health import fix_list, health_history, health_report
from rapport.dataio.services.health import health_snapshot_take, invalid_contacts_recheck
from rapport.dataio.tasks.health import snapshot_daily


def complete_person(actor, name, phone, email, tags):
    return person_create(
        actor=actor,
        data={
            "full_name": name,
            "gender": "female",
            "birthday": "1990-05-01",
            "industry": "零售",
            "phones": [{"number": phone}],
            "emails": [{"email": email}],
            "addresses": [{"province": "上海市", "city": "上海市"}],
            "tag_ids": [tags.pk],
        },
    )


def bare_person(actor, name, **data):
    return person_create(actor=actor, data={"full_name": name, **data})


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP"})


def completeness(records_health) -> dict[str, float | None]:
    return {f.key: f.pct for f in records_health.completeness}


def test_completeness_counts_filled_key_fields(alice, vip):
    complete_person(alice, "李娜", "13912345678", "li.na@example.com", vip)
    bare_person(alice, "王伟")

    report = health_report(alice)

    assert report.persons.total == 2
    assert completeness(report.persons) == {
        "phone": 50.0,
        "email": 50.0,
        "address": 50.0,
        "birthday": 50.0,
        "gender": 50.0,
        "industry": 50.0,
        "tags": 50.0,
        "owner": 100.0,
    }
    assert report.persons.missing_phone == 1
    assert report.persons.missing_email == 1


def test_company_completeness(alice, vip):
    company_create(
        actor=alice,
        data={"name": "东方贸易", "phone": "02112345678", "industry": "贸易", "tag_ids": [vip.pk]},
    )
    company_create(actor=alice, data={"name": "西方贸易"})

    report = health_report(alice)

    assert report.companies.total == 2
    assert completeness(report.companies) == {
        "phone": 50.0,
        "email": 0.0,
        "address": 0.0,
        "industry": 50.0,
        "tags": 50.0,
        "owner": 100.0,
    }


def test_rep_counts_only_own_records_never_another_teams(alice, bob, charlie):
    bare_person(alice, "阿丽")
    bare_person(bob, "鲍勃")
    bare_person(charlie, "查理")
    company_create(actor=charlie, data={"name": "西部公司"})

    assert health_report(alice).persons.total == 1
    assert health_report(alice).companies.total == 0
    assert health_report(charlie).persons.total == 1
    assert health_report(charlie).companies.total == 1


def test_manager_counts_the_team_but_not_another_team(alice, bob, charlie, diana):
    bare_person(alice, "阿丽")
    bare_person(bob, "鲍勃")
    bare_person(charlie, "查理")

    report = health_report(diana)

    assert report.persons.total == 2
    assert report.teams == []


def test_administrator_sees_every_team_and_the_total(alice, charlie, admin_user, east, west):
    bare_person(alice, "阿丽", phones=[{"number": "13912345678"}])
    bare_person(charlie, "查理")
    bare_person(charlie, "查理二")

    report = health_report(admin_user)

    assert report.persons.total == 3
    by_team = {t.team.name: t.persons for t in report.teams}
    assert by_team["East"].total == 1
    assert completeness(by_team["East"])["phone"] == 100.0
    assert by_team["West"].total == 2
    assert health_report(admin_user, team_id=west.pk).persons.total == 2


def test_duplicate_rate_counts_persons_sharing_a_phone_or_email(alice, bob, charlie):
    bare_person(alice, "甲", phones=[{"number": "13912345678"}])
    bare_person(alice, "乙", emails=[{"email": "same@example.com"}])
    bare_person(alice, "丙", phones=[{"number": "13800000001"}])
    bare_person(bob, "丁", emails=[{"email": "Same@Example.com"}])
    bare_person(charlie, "戊", phones=[{"number": "139 1234 5678"}])

    alice_report = health_report(alice).persons

    assert alice_report.duplicates == 2
    assert alice_report.duplicate_rate == pytest.approx(66.7)


def test_a_person_with_the_same_number_twice_is_no_duplicate(alice):
    person = bare_person(alice, "甲", phones=[{"number": "13912345678"}])
    PersonPhone.objects.create(person=person, number=person.primary_phone, label="work")

    assert health_report(alice).persons.duplicates == 0


def test_stale_records_were_not_updated_for_a_year(alice):
    old = bare_person(alice, "老客户")
    bare_person(alice, "新客户")
    Person.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=400)
    )

    report = health_report(alice).persons

    assert report.stale == 1
    assert report.stale_pct == 50.0


# --- Invalid contacts --------------------------------------------------------------------------


@pytest.fixture
def invalid_person(alice):
    # Services never store an invalid value; older imports and bulk loads may have.
    person = bare_person(alice, "坏号码", phones=[{"number": "13912345678"}])
    PersonPhone.objects.filter(person=person).update(number="+8612345")
    PersonEmail.objects.create(person=person, email="not-an-email")
    return person


def test_recheck_finds_invalid_phones_and_emails(invalid_person, alice):
    bare_person(alice, "好号码", phones=[{"number": "13800000001"}])
    company = company_create(actor=alice, data={"name": "东方", "email": "ok@example.com"})
    Company.objects.filter(pk=company.pk).update(phone="12")

    found = invalid_contacts_recheck()

    assert found == 3
    report = health_report(alice)
    assert report.persons.invalid_phone == 1
    assert report.persons.invalid_email == 1
    assert report.companies.invalid_phone == 1
    assert report.companies.invalid_email == 0


def test_a_fixed_contact_stops_counting_before_the_next_check(invalid_person, alice):
    invalid_contacts_recheck()

    person_update(
        actor=alice,
        person=invalid_person,
        data={"phones": [{"number": "13912345679"}], "emails": []},
        version=None,
    )

    report = health_report(alice).persons
    assert report.invalid_phone == 0
    assert report.invalid_email == 0


def test_recheck_replaces_the_previous_list(invalid_person):
    invalid_contacts_recheck()
    invalid_contacts_recheck()

    assert InvalidContact.objects.count() == 2


def test_another_teams_invalid_contacts_never_count(invalid_person, charlie, diana):
    invalid_contacts_recheck()

    assert health_report(charlie).persons.invalid_phone == 0
    assert health_report(diana).persons.invalid_phone == 1


# --- Query counts ------------------------------------------------------------------------------


def test_figures_take_a_fixed_number_of_queries(
    alice, bob, charlie, admin_user, vip, django_assert_max_num_queries
):
    for i in range(6):
        complete_person(alice, f"甲{i}", f"1391234{i:04d}", f"a{i}@example.com", vip)
        bare_person(charlie, f"乙{i}")
        company_create(actor=bob, data={"name": f"公司{i}"})

    # Persons grouped by team, companies grouped by team, the teams' names.
    with django_assert_max_num_queries(3):
        report = health_report(admin_user)

    assert report.persons.total == 12
    assert report.companies.total == 6
    assert len(report.teams) == 2


def test_fix_list_is_one_query(alice, bob, diana, django_assert_max_num_queries):
    for i in range(6):
        bare_person(alice, f"阿丽{i}")
        bare_person(bob, f"鲍勃{i}")

    with django_assert_max_num_queries(1):
        rows = fix_list(diana)

    assert len(rows) == 10
    assert all(row.person.owner.username for row in rows)


# --- Snapshots and history ---------------------------------------------------------------------


def test_snapshot_writes_one_row_per_team_and_overall_and_is_idempotent(alice, charlie, east, west):
    bare_person(alice, "阿丽")
    bare_person(charlie, "查理")

    health_snapshot_take()
    bare_person(charlie, "查理二")
    health_snapshot_take()

    today = timezone.localdate()
    rows = {s.team_id: s.metrics for s in DataHealthSnapshot.objects.filter(date=today)}
    assert set(rows) == {None, east.pk, west.pk}
    assert rows[None]["persons"]["total"] == 3
    assert rows[west.pk]["persons"]["total"] == 2
    assert DataHealthSnapshot.objects.count() == 3


def test_daily_job_checks_contacts_then_snapshots(invalid_person):
    snapshot_daily()
    snapshot_daily()

    overall = DataHealthSnapshot.objects.get(team=None)
    assert overall.metrics["persons"]["invalid_phone"] == 1
    assert InvalidContact.objects.count() == 2


def test_history_shows_a_rep_their_teams_snapshots_only(alice, charlie, admin_user, east):
    bare_person(alice, "阿丽")
    bare_person(charlie, "查理")
    today = timezone.localdate()
    health_snapshot_take(date=today - datetime.timedelta(days=1))
    health_snapshot_take(date=today)

    alice_history = health_history(alice)
    admin_history = health_history(admin_user)

    assert [p.date for p in alice_history] == [today - datetime.timedelta(days=1), today]
    assert alice_history[-1].persons.total == 1
    assert admin_history[-1].persons.total == 2
    assert health_history(admin_user, team_id=east.pk)[-1].persons.total == 1


# --- Fix list ----------------------------------------------------------------------------------


def test_fix_list_ranks_each_owners_worst_records_first(alice, bob, vip):
    complete_person(alice, "完整", "13912345678", "ok@example.com", vip)
    half = bare_person(alice, "一半", phones=[{"number": "13800000001"}], industry="零售")
    worst = bare_person(alice, "最差")
    bob_worst = bare_person(bob, "鲍勃的")

    rows = fix_list(alice)

    assert [r.person for r in rows] == [worst, half]
    assert "No phone" in rows[0].problems
    assert rows[0].score > rows[1].score
    assert bob_worst not in [r.person for r in fix_list(alice)]


def test_fix_list_keeps_a_few_per_owner(alice, bob, diana):
    for i in range(4):
        bare_person(alice, f"阿丽{i}")
        bare_person(bob, f"鲍勃{i}")

    rows = fix_list(diana, per_owner=3)

    owners = [r.person.owner for r in rows]
    assert owners.count(alice) == 3
    assert owners.count(bob) == 3


def test_fix_list_shows_invalid_contacts_and_never_another_team(invalid_person, charlie, diana):
    invalid_contacts_recheck()

    (row,) = fix_list(diana)

    assert row.person == invalid_person
    assert "Invalid phone" in row.problems
    assert "Invalid email" in row.problems
    assert fix_list(charlie) == []
