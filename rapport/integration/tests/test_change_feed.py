"""The change feed: every change in commit order, resumable, none skipped when one commits late."""

import threading

import pytest
from django.db import connection, transaction

from rapport.customers.services import person_create, person_delete, person_update
from rapport.integration.feed import changes_after
from rapport.sales.services.catalog import product_create


def read_all(client, after="0", limit=100) -> tuple[list[dict], str]:
    entries = []
    while True:
        page = client.get("/changes", {"after": after, "limit": limit}).json()
        entries += page["changes"]
        after = page["next"]
        if not page["has_more"]:
            return entries, after


def test_creates_updates_and_deletes_come_in_order_with_the_record(alice, as_alice):
    person = person_create(actor=alice, data={"full_name": "张伟"})
    person_update(actor=alice, person=person, data={"region": "Shanghai"}, version=None)
    person_id = person.pk
    person_delete(actor=alice, person=person)

    entries, _cursor = read_all(as_alice)

    assert [(e["record_type"], e["record_id"], e["operation"]) for e in entries] == [
        ("person", person_id, "created"),
        ("person", person_id, "updated"),
        ("person", person_id, "deleted"),
    ]
    assert entries[1]["changed_fields"] == ["region"]
    assert entries[2]["record"] is None


def test_the_feed_resumes_from_its_cursor(alice, as_alice):
    person_create(actor=alice, data={"full_name": "张伟"})
    first, cursor = read_all(as_alice)
    person_create(actor=alice, data={"full_name": "王芳"})

    later, _cursor = read_all(as_alice, after=cursor)

    assert len(first) == 1
    assert [e["record"]["full_name"] for e in later] == ["王芳"]


def test_pages_follow_each_other_without_gaps_or_repeats(alice, as_alice):
    for i in range(7):
        person_create(actor=alice, data={"full_name": f"客户 {i}"})

    entries, _cursor = read_all(as_alice, limit=3)

    assert [e["record"]["full_name"] for e in entries] == [f"客户 {i}" for i in range(7)]


def test_another_team_sees_none_of_its_changes_but_everyone_sees_products(
    alice, admin_user, as_charlie
):
    person_create(actor=alice, data={"full_name": "张伟"})
    product_create(actor=admin_user, data={"sku": "T-1", "name": "龙井", "unit_price": "1.00"})

    entries, _cursor = read_all(as_charlie)

    assert [e["record_type"] for e in entries] == ["product"]


@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_late_is_not_skipped(alice, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: nothing commits late there")
    inserted, commit = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                person_create(actor=alice, data={"full_name": "Slow"})  # its change gets an id
                inserted.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(timeout=30)
    person_create(actor=alice, data={"full_name": "Fast"})  # a later id, committed first

    seen, cursor, _more = changes_after(admin_user, after=0, limit=100)
    commit.set()
    writer.join()
    late, _cursor, _more = changes_after(admin_user, after=cursor, limit=100)

    assert len(seen) == 1
    assert len(late) == 1
    assert late[0].id < seen[0].id  # the earlier id, read after the later one
    assert late[0].seq > seen[0].seq
