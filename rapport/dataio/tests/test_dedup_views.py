"""The review queue page, its dismiss action, and the person form's duplicate warning."""

import pytest
from django.urls import reverse

from rapport.customers.services import person_create
from rapport.dataio.models import CandidateStatus, DuplicateCandidate, DuplicateRecordType
from rapport.dataio.services.dedup.scan import duplicates_scan


def _person(actor, name, phone, **extra):
    return person_create(
        actor=actor, data={"full_name": name, "phones": [{"number": phone}], **extra}
    )


@pytest.fixture
def scanned(alice, charlie):
    a = _person(alice, "李晓明", "13800138000", birthday="1990-05-01")
    b = _person(alice, "Xiaoming Li", "138 0013 8000", birthday="1990-05-01")
    _person(charlie, "王芳芳", "13911112222")
    _person(charlie, "Wang Fangfang", "139-1111-2222")
    duplicates_scan(record_type=DuplicateRecordType.PERSON)
    return a, b


def test_queue_shows_both_records_reasons_and_a_merge_link(client, alice, scanned):
    a, b = scanned
    client.force_login(alice)

    html = client.get(reverse("dataio:duplicate_list")).content.decode()

    assert html.count('data-testid="duplicate-pair"') == 1
    assert "李晓明" in html and "Xiaoming Li" in html
    assert "Same phone +8613800138000" in html
    assert f'href="/data/merge/persons/{a.pk}/{b.pk}/"' in html
    assert "王芳芳" not in html  # charlie's pair


def test_queue_page_runs_a_fixed_number_of_queries(
    client, alice, scanned, django_assert_max_num_queries
):
    client.force_login(alice)

    with django_assert_max_num_queries(15):
        client.get(reverse("dataio:duplicate_list"))


def test_dismiss_removes_the_pair_from_the_queue(client, alice, scanned):
    client.force_login(alice)
    candidate = DuplicateCandidate.objects.get(first_id=scanned[0].pk)

    response = client.post(reverse("dataio:duplicate_dismiss", args=[candidate.pk]))

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISMISSED
    html = client.get(reverse("dataio:duplicate_list")).content.decode()
    assert 'data-testid="duplicate-queue-empty"' in html


def test_dismissing_another_teams_pair_is_404(client, alice, scanned):
    client.force_login(alice)
    theirs = DuplicateCandidate.objects.exclude(first_id=scanned[0].pk).get()

    response = client.post(reverse("dataio:duplicate_dismiss", args=[theirs.pk]))

    assert response.status_code == 404


def test_scan_and_bulk_merge_buttons_are_for_administrators(client, alice, admin_user, scanned):
    client.force_login(alice)
    assert (
        'data-testid="duplicates-scan"'
        not in client.get(reverse("dataio:duplicate_list")).content.decode()
    )
    assert client.post(reverse("dataio:duplicates_scan")).status_code == 403

    client.force_login(admin_user)
    html = client.get(reverse("dataio:duplicate_list")).content.decode()
    assert 'data-testid="duplicates-scan"' in html
    assert 'data-testid="duplicates-bulk-merge"' in html


def test_bulk_merge_merges_the_high_confidence_pair(client, admin_user, scanned):
    client.force_login(admin_user)

    response = client.post(reverse("dataio:duplicates_bulk_merge"), {"type": "person"})

    assert response.status_code == 302
    assert DuplicateCandidate.objects.get(first_id=scanned[0].pk).status == CandidateStatus.MERGED


def test_person_form_loads_the_duplicate_check(client, alice):
    client.force_login(alice)

    html = client.get(reverse("customers:person_create")).content.decode()

    assert f'hx-post="{reverse("dataio:duplicate_check")}"' in html


def test_duplicate_check_warns_with_a_link_to_the_likely_duplicate(client, alice):
    existing = _person(alice, "李晓明", "13800138000")
    client.force_login(alice)

    html = client.post(
        reverse("dataio:duplicate_check"),
        {
            "full_name": "Li Xiaoming",
            "phones-0-number": "138-0013-8000",
            "phones-0-label": "mobile",
        },
    ).content.decode()

    assert 'data-testid="duplicate-warning"' in html
    assert f'href="{reverse("customers:person_detail", args=[existing.pk])}"' in html


def test_duplicate_check_is_silent_for_a_namesake(client, alice):
    _person(alice, "张伟", "13800138000")
    client.force_login(alice)

    html = client.post(
        reverse("dataio:duplicate_check"),
        {"full_name": "张伟", "phones-0-number": "13911112222", "phones-0-label": "mobile"},
    ).content.decode()

    assert 'data-testid="duplicate-warning"' not in html


def test_a_person_saved_before_any_warning_is_shown_the_warning_once(client, alice):
    from rapport.customers.models import Person

    existing = _person(alice, "李晓明", "13800138000")
    client.force_login(alice)
    form = {
        "full_name": "Li Xiaoming",
        "phones-0-number": "138-0013-8000",
        "phones-0-label": "mobile",
        "gender": "unknown",
        "source": "other",
        "lifecycle_stage": "target",
    }

    # As a browser without JavaScript sends it: the as-you-type check never ran.
    first = client.post(reverse("customers:person_create"), form)
    html = first.content.decode()
    assert first.status_code == 200
    assert Person.objects.count() == 1
    assert 'data-testid="duplicate-warning"' in html
    assert f'href="{reverse("customers:person_detail", args=[existing.pk])}"' in html
    assert "Save again to create this person anyway." in html
    assert 'name="duplicates_checked" value="1"' in html
    assert 'value="Li Xiaoming"' in html  # what was typed is kept

    second = client.post(reverse("customers:person_create"), {**form, "duplicates_checked": "1"})

    assert second.status_code == 302
    assert Person.objects.filter(full_name="Li Xiaoming").exists()


def test_a_person_without_likely_duplicates_is_saved_at_once(client, alice):
    from rapport.customers.models import Person

    _person(alice, "张伟", "13800138000")
    client.force_login(alice)

    response = client.post(
        reverse("customers:person_create"),
        {
            "full_name": "张伟",
            "phones-0-number": "13911112222",
            "phones-0-label": "mobile",
            "gender": "unknown",
            "source": "other",
            "lifecycle_stage": "target",
        },
    )

    assert response.status_code == 302
    assert Person.objects.filter(full_name="张伟").count() == 2


def test_the_as_you_type_warning_marks_the_form_as_checked(client, alice):
    client.force_login(alice)

    html = client.post(reverse("dataio:duplicate_check"), {"full_name": "新客户"}).content.decode()

    assert 'data-testid="duplicate-warning"' not in html
    assert 'name="duplicates_checked" value="1"' in html
