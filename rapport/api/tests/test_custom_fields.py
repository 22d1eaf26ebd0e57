import pytest

from rapport.customers.models import CustomFieldDefinition
from rapport.customers.services import custom_field_create

WECHAT = {"record_type": "person", "key": "wechat", "label": "微信", "field_type": "text"}


@pytest.fixture
def wechat(admin_user):
    return custom_field_create(actor=admin_user, data=WECHAT)


def test_administrator_creates_custom_field(as_admin):
    response = as_admin.post("/custom-fields", WECHAT)

    assert response.status_code == 201
    assert response.json()["key"] == "wechat"
    assert response.json()["is_active"] is True


def test_rep_cannot_create_custom_field(as_alice):
    response = as_alice.post("/custom-fields", WECHAT)

    assert response.status_code == 403
    assert not CustomFieldDefinition.objects.exists()


def test_everyone_can_list_and_read_custom_fields(as_alice, wechat):
    listed = as_alice.get("/custom-fields", {"record_type": "person"})
    detail = as_alice.get(f"/custom-fields/{wechat.pk}")

    assert [f["key"] for f in listed.json()["items"]] == ["wechat"]
    assert listed.json()["next_cursor"] is None
    assert detail.json()["label"] == "微信"


def test_list_leaves_out_inactive_fields_unless_asked(as_admin, wechat):
    as_admin.patch(f"/custom-fields/{wechat.pk}", {"is_active": False})

    default = as_admin.get("/custom-fields").json()["items"]
    everything = as_admin.get("/custom-fields", {"include_inactive": "true"}).json()["items"]

    assert default == []
    assert [f["key"] for f in everything] == ["wechat"]


def test_administrator_updates_and_deletes_custom_field(as_admin, wechat):
    updated = as_admin.patch(f"/custom-fields/{wechat.pk}", {"label": "WeChat ID"})
    deleted = as_admin.delete(f"/custom-fields/{wechat.pk}")

    assert updated.json()["label"] == "WeChat ID"
    assert deleted.status_code == 204
    assert not CustomFieldDefinition.objects.exists()


def test_rep_cannot_update_or_delete_custom_field(as_alice, wechat):
    assert as_alice.patch(f"/custom-fields/{wechat.pk}", {"label": "x"}).status_code == 403
    assert as_alice.delete(f"/custom-fields/{wechat.pk}").status_code == 403
    assert CustomFieldDefinition.objects.get().label == "微信"


def test_key_cannot_change_once_created(as_admin, wechat):
    response = as_admin.patch(f"/custom-fields/{wechat.pk}", {"key": "weixin"})

    assert response.status_code == 422
    assert "key" in response.json()["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**WECHAT, "key": "Bad Key"}, "key"),
        ({**WECHAT, "field_type": "colour"}, "field_type"),
        ({**WECHAT, "record_type": "deal"}, "record_type"),
        ({**WECHAT, "field_type": "choice"}, "choices"),
        ({**WECHAT, "position": -1}, "position"),
        ({**WECHAT, "required": "maybe"}, "required"),
        ({**WECHAT, "label": ""}, "label"),
        ({**WECHAT, "help": "?"}, "help"),
    ],
)
def test_invalid_custom_field_is_422(as_admin, body, field):
    response = as_admin.post("/custom-fields", body)

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert not CustomFieldDefinition.objects.exists()
