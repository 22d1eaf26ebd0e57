"""The demo's duplicate pairs: each is found by the scan and waits in the review queue."""

from django.urls import reverse

from rapport.dataio.demo.duplicates import duplicates_demo_load
from rapport.dataio.models import CandidateStatus, DuplicateCandidate


def _queued(record_type: str) -> set[frozenset[int]]:
    return {
        frozenset(pair)
        for pair in DuplicateCandidate.objects.filter(
            record_type=record_type, status=CandidateStatus.OPEN
        ).values_list("first_id", "second_id")
    }


def test_every_seeded_pair_is_in_the_review_queue(admin_user, alice, bob):
    result = duplicates_demo_load(admin=admin_user, owners=[alice, bob])

    assert len(result.person_pairs) == 4 and len(result.company_pairs) == 2
    assert {frozenset(pair) for pair in result.person_pairs} <= _queued("person")
    assert {frozenset(pair) for pair in result.company_pairs} <= _queued("company")
    assert result.candidates == len(_queued("person")) + len(_queued("company"))


def test_the_duplicates_page_shows_the_seeded_pairs(client, admin_user, alice, bob):
    duplicates_demo_load(admin=admin_user, owners=[alice, bob])
    client.force_login(alice)

    page = client.get(reverse("dataio:duplicate_list")).content.decode()

    assert "Sima Xiaoming" in page and "司马晓明" in page
