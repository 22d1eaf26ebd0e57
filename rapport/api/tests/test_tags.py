import pytest

from rapport.customers.models import Tag
from rapport.customers.services import tag_create


@pytest.fixture
def vip(admin_user):
    return tag_create(actor=admin_user, data={"name": "VIP"})


def test_any_user_can_create_and_read_tags(as_alice):
    created = as_alice.post("/tags", {"name": "重点客户", "color": "#3B82F6"})

    assert created.status_code == 201
    assert created.json()["color"] == "#3b82f6"
    assert as_alice.get(f"/tags/{created.json()['id']}").json()["name"] == "重点客户"


def test_duplicate_tag_name_is_422(as_alice, vip):
    response = as_alice.post("/tags", {"name": "VIP"})

    assert response.status_code == 422
    assert "name" in response.json()["details"]


def test_administrator_updates_and_deletes_tags(as_admin, vip):
    updated = as_admin.patch(f"/tags/{vip.pk}", {"color": "#ff0000"})
    deleted = as_admin.delete(f"/tags/{vip.pk}")

    assert updated.status_code == 200
    assert updated.json()["color"] == "#ff0000"
    assert deleted.status_code == 204
    assert not Tag.objects.exists()


def test_rep_cannot_update_tags(as_alice, vip):
    response = as_alice.patch(f"/tags/{vip.pk}", {"name": "Gold"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Tag.objects.get().name == "VIP"


def test_rep_cannot_delete_tags(as_alice, vip):
    response = as_alice.delete(f"/tags/{vip.pk}")

    assert response.status_code == 403
    assert Tag.objects.exists()


def test_missing_tag_is_404(as_admin):
    assert as_admin.get("/tags/999999").status_code == 404
    assert as_admin.patch("/tags/999999", {"name": "x"}).status_code == 404
    assert as_admin.delete("/tags/999999").status_code == 404
