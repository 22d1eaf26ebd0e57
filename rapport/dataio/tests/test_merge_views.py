"""The merge pages: compare and merge, pick the other record, undo, history."""

import pytest
from django.urls import reverse

from rapport.activities.models import TimelineEntry
from rapport.customers.models import Company, Person
from rapport.customers.services import company_create, custom_field_create, person_create
from rapport.dataio.models import Merge
from rapport.dataio.services.dedup.merge import person_merge


@pytest.fixture
def pair(alice):
    survivor = person_create(actor=alice, data={"full_name": "张伟", "region": "浙江"})
    other = person_create(
        actor=alice, data={"full_name": "张伟", "region": "上海", "industry": "零售"}
    )
    return survivor, other


def test_compare_page_offers_a_radio_per_differing_field(client, alice, pair):
    survivor, other = pair
    client.force_login(alice)

    page = client.get(reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": other.pk}))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="choice-region-a"' in html
    assert 'value="b" checked data-testid="choice-region-b"' in html  # the later update wins
    assert 'data-testid="choice-full_name-a"' not in html  # the same on both


def test_compare_page_shows_dates_in_the_languages_format(client, alice):
    a = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1986-04-18"})
    b = person_create(actor=alice, data={"full_name": "张伟", "birthday": "1986-04-08"})
    client.force_login(alice)
    url = reverse("dataio:merge_persons", kwargs={"a": a.pk, "b": b.pk})

    english = client.get(url).content.decode()
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    chinese = client.get(url).content.decode()

    assert "Apr 18, 1986" in english and "1986-04-18" not in english
    assert "1986-04-18" in chinese


def test_posting_merges_and_redirects_to_the_survivor_with_undo(client, alice, pair):
    survivor, other = pair
    client.force_login(alice)
    url = reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": other.pk})

    response = client.post(
        url,
        {"survivor": "b", "choice_region": "a", "choice_industry": "b"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "customers:person_detail", kwargs={"pk": other.pk}
    )
    kept = Person.objects.get()
    assert (kept.pk, kept.region, kept.industry) == (other.pk, "浙江", "零售")
    html = response.content.decode()
    merge = Merge.objects.get()
    assert reverse("dataio:merge_undo", kwargs={"pk": merge.pk}) in html
    assert 'data-testid="merge-undo"' in html


def test_undo_button_brings_the_other_back(client, alice, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    client.force_login(alice)

    response = client.post(reverse("dataio:merge_undo", kwargs={"pk": merge.pk}), follow=True)

    assert response.status_code == 200
    assert Person.objects.count() == 2
    assert TimelineEntry.objects.filter(kind="record.merge_undone", person=survivor).exists()
    assert "The merge was undone." in response.content.decode()


def test_stale_page_shows_the_conflict(client, alice, pair):
    survivor, other = pair
    client.force_login(alice)
    url = reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": other.pk})

    response = client.post(url, {"survivor": "a", "version_a": "99"})

    assert response.status_code == 409
    assert 'data-testid="merge-error"' in response.content.decode()
    assert Person.objects.count() == 2


def test_another_teams_record_answers_404(client, alice, charlie, pair):
    survivor, _other = pair
    west = person_create(actor=charlie, data={"full_name": "Emily Carter"})
    client.force_login(alice)
    url = reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": west.pk})

    assert client.get(url).status_code == 404
    assert client.post(url, {"survivor": "a"}).status_code == 404
    assert Person.objects.count() == 3


def test_another_team_cannot_undo(client, alice, charlie, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    client.force_login(charlie)

    response = client.post(reverse("dataio:merge_undo", kwargs={"pk": merge.pk}))

    assert response.status_code == 404
    assert Person.objects.count() == 1


def test_pick_page_finds_the_duplicate(client, alice, pair):
    survivor, other = pair
    client.force_login(alice)

    page = client.get(
        reverse("dataio:merge_pick_person", kwargs={"a": survivor.pk}), {"q": "张伟"}
    ).content.decode()

    assert reverse("dataio:merge_persons", kwargs={"a": survivor.pk, "b": other.pk}) in page
    assert f'data-testid="merge-pick-{survivor.pk}"' not in page


def test_companies_merge_from_their_page(client, alice):
    a = company_create(actor=alice, data={"name": "东方贸易有限公司"})
    b = company_create(actor=alice, data={"name": "东方贸易", "website": "dongfang.cn"})
    client.force_login(alice)

    response = client.post(
        reverse("dataio:merge_companies", kwargs={"a": a.pk, "b": b.pk}),
        {"survivor": "a", "choice_name": "a", "choice_website": "b"},
    )

    assert response.status_code == 302
    kept = Company.objects.get()
    assert (kept.pk, kept.name, kept.website) == (a.pk, "东方贸易有限公司", "dongfang.cn")


def test_history_lists_merges_with_undo(client, alice, charlie, pair):
    survivor, other = pair
    merge = person_merge(actor=alice, survivor=survivor, other=other)
    client.force_login(alice)

    mine = client.get(reverse("dataio:merge_list")).content.decode()
    client.force_login(charlie)
    theirs = client.get(reverse("dataio:merge_list")).content.decode()

    assert f'data-testid="merge-undo-{merge.pk}"' in mine
    assert f'data-testid="merge-{merge.pk}"' not in theirs


def test_custom_values_are_labelled_by_their_field(client, admin_user, alice):
    custom_field_create(
        actor=admin_user,
        data={
            "record_type": "person",
            "key": "vip_level",
            "label": "VIP 等级",
            "field_type": "text",
        },
    )
    a = person_create(actor=alice, data={"full_name": "张伟", "custom": {"vip_level": "金"}})
    b = person_create(actor=alice, data={"full_name": "张伟", "custom": {"vip_level": "银"}})
    client.force_login(alice)

    html = client.get(
        reverse("dataio:merge_persons", kwargs={"a": a.pk, "b": b.pk})
    ).content.decode()

    assert "VIP 等级" in html
    assert 'data-testid="choice-custom.vip_level-a"' in html
