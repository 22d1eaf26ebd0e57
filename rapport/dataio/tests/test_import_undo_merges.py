"""An import's undo never loses a customer: records merged, edited or used since the import are
kept and listed, and merges and import undos compose in any order.

The import creates 客户0, 客户1 and 客户2; 老客户 (alice's existing customer, with a phone, an
e-mail, two interactions and their timeline entries) is merged with one of them.
"""

import pytest
from django.urls import reverse

from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.services import interaction_create
from rapport.customers.models import Person, PersonEmail, PersonPhone
from rapport.customers.services import person_create, person_update
from rapport.dataio.models import ImportRecord, ImportStatus
from rapport.dataio.services.dedup.merge import merge_undo, person_merge
from rapport.dataio.services.imports import undo
from rapport.dataio.tests.test_import_jobs_helpers import import_dir, mapped, run  # noqa: F401

HEADER = ["姓名", "手机", "邮箱"]
MAPPING = {"姓名": "full_name", "手机": "phone", "邮箱": "email"}
ROWS = [HEADER, *([f"客户{i}", f"+86 138{i:08d}", f"c{i}@example.cn"] for i in range(3))]


@pytest.fixture
def customer(alice):
    """An existing customer with a history of its own."""
    person = person_create(
        actor=alice,
        data={
            "full_name": "老客户",
            "phones": [{"number": "13912345678"}],
            "emails": [{"email": "old@example.com"}],
        },
    )
    for subject in ("询价", "回访"):
        interaction_create(actor=alice, person=person, data={"channel": "call", "subject": subject})
    return person


@pytest.fixture
def imported(alice, customer):
    job = run(mapped(alice, ROWS, MAPPING))
    assert job.created_count == 3
    return job, {p.full_name: p for p in Person.objects.filter(full_name__startswith="客户")}


def _undo_import(alice, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        undo.import_undo(actor=alice, job=job)
    return undo.import_undo_run(job.pk)


def _persons():
    return sorted(Person.objects.values_list("pk", "full_name", "primary_phone", "primary_email"))


def _phones():
    return sorted(PersonPhone.objects.values_list("person_id", "number", "is_primary"))


def _emails():
    return sorted(PersonEmail.objects.values_list("person_id", "email", "is_primary"))


def _interactions():
    return sorted(Interaction.objects.values_list("person_id", "subject"))


def _timeline():
    return sorted(TimelineEntry.objects.values_list("person_id", "kind"))


def test_undo_keeps_an_imported_record_that_kept_an_existing_one_in_a_merge(
    alice, customer, imported, django_capture_on_commit_callbacks
):
    job, new = imported
    a = new["客户0"]
    merge = person_merge(actor=alice, survivor=a, other=customer)

    job = _undo_import(alice, job, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.UNDONE
    assert "1 records of the import were kept" in job.error
    assert job.undo_report == {
        "counts": {"merged": 1},
        "kept": [{"kind": "person", "id": a.pk, "name": "客户0", "reason": "merged"}],
    }
    assert _persons() == [(a.pk, "客户0", "+8613800000000", "c0@example.cn")]
    assert _phones() == [(a.pk, "+8613800000000", True), (a.pk, "+8613912345678", False)]
    assert _emails() == [(a.pk, "c0@example.cn", True), (a.pk, "old@example.com", False)]
    assert _interactions() == [(a.pk, "回访"), (a.pk, "询价")]
    assert _timeline() == sorted(
        [
            (a.pk, "interaction.call"),
            (a.pk, "interaction.call"),
            (a.pk, "record.created"),
            (a.pk, "record.created"),
            (a.pk, "record.merged"),
        ]
    )
    assert not ImportRecord.objects.exists()

    merge_undo(actor=alice, merge=merge)

    assert _persons() == [
        (customer.pk, "老客户", "+8613912345678", "old@example.com"),
        (a.pk, "客户0", "+8613800000000", "c0@example.cn"),
    ]
    assert _phones() == [(customer.pk, "+8613912345678", True), (a.pk, "+8613800000000", True)]
    assert _emails() == [(customer.pk, "old@example.com", True), (a.pk, "c0@example.cn", True)]
    assert _interactions() == [(customer.pk, "回访"), (customer.pk, "询价")]
    assert _timeline() == sorted(
        [
            (customer.pk, "interaction.call"),
            (customer.pk, "interaction.call"),
            (customer.pk, "record.created"),
            (a.pk, "record.created"),
            (a.pk, "record.merge_undone"),
            (a.pk, "record.merged"),
        ]
    )


def test_undo_keeps_an_existing_record_that_absorbed_an_imported_one_and_lists_it(
    alice, customer, imported, django_capture_on_commit_callbacks
):
    job, new = imported
    b = new["客户1"]
    merge = person_merge(
        actor=alice,
        survivor=customer,
        other=b,
        choices={"full_name": "other", "primary_phone": "other", "primary_email": "other"},
    )

    job = _undo_import(alice, job, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.UNDONE
    assert job.undo_report == {
        "counts": {"absorbed": 1},
        "kept": [
            {
                "kind": "person",
                "id": b.pk,
                "name": "客户1",
                "reason": "absorbed",
                "into": customer.pk,
            }
        ],
    }
    assert _persons() == [(customer.pk, "客户1", "+8613800000001", "c1@example.cn")]
    assert _phones() == [
        (customer.pk, "+8613800000001", True),
        (customer.pk, "+8613912345678", False),
    ]
    assert _emails() == [
        (customer.pk, "c1@example.cn", True),
        (customer.pk, "old@example.com", False),
    ]
    assert _interactions() == [(customer.pk, "回访"), (customer.pk, "询价")]

    merge_undo(actor=alice, merge=merge)

    assert _persons() == [
        (customer.pk, "老客户", "+8613912345678", "old@example.com"),
        (b.pk, "客户1", "+8613800000001", "c1@example.cn"),
    ]
    assert _phones() == [(customer.pk, "+8613912345678", True), (b.pk, "+8613800000001", True)]
    assert _emails() == [(customer.pk, "old@example.com", True), (b.pk, "c1@example.cn", True)]
    assert _interactions() == [(customer.pk, "回访"), (customer.pk, "询价")]
    assert _timeline() == sorted(
        [
            (customer.pk, "interaction.call"),
            (customer.pk, "interaction.call"),
            (customer.pk, "record.created"),
            (customer.pk, "record.merge_undone"),
            (customer.pk, "record.merged"),
            (b.pk, "record.created"),
        ]
    )


def test_undo_after_a_merge_was_undone_removes_exactly_the_imported_records(
    alice, customer, imported, django_capture_on_commit_callbacks
):
    job, new = imported
    merge = person_merge(actor=alice, survivor=new["客户0"], other=customer)
    merge_undo(actor=alice, merge=merge)

    job = _undo_import(alice, job, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.UNDONE
    assert (job.error, job.undo_report) == ("", {})
    assert _persons() == [(customer.pk, "老客户", "+8613912345678", "old@example.com")]
    assert _phones() == [(customer.pk, "+8613912345678", True)]
    assert _emails() == [(customer.pk, "old@example.com", True)]
    assert _interactions() == [(customer.pk, "回访"), (customer.pk, "询价")]
    assert _timeline() == sorted(
        [
            (customer.pk, "interaction.call"),
            (customer.pk, "interaction.call"),
            (customer.pk, "record.created"),
        ]
    )
    assert not ImportRecord.objects.exists()


def test_undo_keeps_imported_records_edited_or_used_since(
    alice, customer, imported, django_capture_on_commit_callbacks
):
    job, new = imported
    edited, used = new["客户0"], new["客户1"]
    person_update(actor=alice, person=edited, data={"notes": "VIP"}, version=edited.version)
    interaction_create(actor=alice, person=used, data={"channel": "call", "subject": "首次联系"})

    job = _undo_import(alice, job, django_capture_on_commit_callbacks)

    assert job.undo_report == {
        "counts": {"edited": 1, "linked": 1},
        "kept": [
            {"kind": "person", "id": edited.pk, "name": "客户0", "reason": "edited"},
            {"kind": "person", "id": used.pk, "name": "客户1", "reason": "linked"},
        ],
    }
    assert _persons() == [
        (customer.pk, "老客户", "+8613912345678", "old@example.com"),
        (edited.pk, "客户0", "+8613800000000", "c0@example.cn"),
        (used.pk, "客户1", "+8613800000001", "c1@example.cn"),
    ]
    assert _interactions() == [(customer.pk, "回访"), (customer.pk, "询价"), (used.pk, "首次联系")]


def test_undo_does_not_revert_an_updated_record_merged_since(
    alice, customer, django_capture_on_commit_callbacks
):
    other = person_create(
        actor=alice, data={"full_name": "另一位", "phones": [{"number": "13700000000"}]}
    )
    rows = [HEADER, ["老客户新名", "13600000000", "old@example.com"]]
    job = run(mapped(alice, rows, MAPPING, mode="update", match_on="email"))
    assert job.updated_count == 1
    person_merge(actor=alice, survivor=customer, other=other)

    job = _undo_import(alice, job, django_capture_on_commit_callbacks)

    assert job.undo_report["counts"] == {"merged": 1}
    assert _persons() == [
        (customer.pk, "老客户新名", "+8613912345678", "old@example.com"),
    ]
    assert _phones() == [
        (customer.pk, "+8613600000000", False),
        (customer.pk, "+8613700000000", False),
        (customer.pk, "+8613912345678", True),
    ]


def test_the_import_page_lists_the_kept_records_with_their_reason(
    alice, client, customer, imported, django_capture_on_commit_callbacks
):
    job, new = imported
    a, b = new["客户0"], new["客户1"]
    person_merge(actor=alice, survivor=a, other=customer)
    person_merge(actor=alice, survivor=customer_again(alice), other=b)
    _undo_import(alice, job, django_capture_on_commit_callbacks)

    client.force_login(alice)
    page = client.get(reverse("dataio:import_detail", args=[job.pk])).content.decode()

    assert 'data-testid="import-undo-report"' in page
    assert page.count('data-testid="import-undo-kept"') == 2
    assert "Merged with another record since the import (kept record)" in page
    assert "Merged into another record since the import" in page
    assert reverse("customers:person_detail", args=[a.pk]) in page


def customer_again(alice):
    return person_create(actor=alice, data={"full_name": "新客户"})
