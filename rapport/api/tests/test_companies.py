from rapport.customers.models import Company


def test_create_company(as_alice, alice, east):
    response = as_alice.post(
        "/companies",
        {
            "name": "华东机械有限公司",
            "english_name": "East China Machinery",
            "phone": "021-6234 5678",
            "email": "Info@ECM.cn",
            "addresses": [{"province": "江苏省", "city": "苏州市"}],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "华东机械有限公司"
    assert body["phone"] == "+862162345678"
    assert body["email"] == "info@ecm.cn"
    assert body["addresses"][0]["city"] == "苏州市"
    assert body["region"] == "江苏省"
    assert body["owner"]["id"] == alice.pk
    assert body["team"]["id"] == east.pk
    assert body["version"] == 1


def test_get_company(as_alice, east_company):
    response = as_alice.get(f"/companies/{east_company.pk}")

    assert response.status_code == 200
    assert response.json()["english_name"] == "East Trading"


def test_patch_company(as_alice, east_company):
    response = as_alice.patch(
        f"/companies/{east_company.pk}", {"industry": "贸易", "version": east_company.version}
    )

    assert response.status_code == 200
    assert response.json()["industry"] == "贸易"
    assert response.json()["version"] == 2


def test_patch_company_with_stale_version_is_409(as_alice, east_company):
    as_alice.patch(f"/companies/{east_company.pk}", {"industry": "贸易", "version": 1})

    response = as_alice.patch(f"/companies/{east_company.pk}", {"industry": "物流", "version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Company.objects.get(pk=east_company.pk).industry == "贸易"


def test_delete_company(as_alice, east_company):
    response = as_alice.delete(f"/companies/{east_company.pk}")

    assert response.status_code == 204
    assert not Company.objects.filter(pk=east_company.pk).exists()


def test_rep_cannot_give_company_to_other_team(as_alice, east_company, charlie):
    response = as_alice.patch(
        f"/companies/{east_company.pk}", {"owner_id": charlie.pk, "version": 1}
    )

    assert response.status_code == 422
    assert "owner_id" in response.json()["details"]


def test_list_companies_by_search(as_alice, east_company):
    by_chinese = as_alice.get("/companies", {"q": "东方"}).json()["items"]
    by_pinyin = as_alice.get("/companies", {"q": "dongfang"}).json()["items"]

    assert [c["id"] for c in by_chinese] == [east_company.pk]
    assert [c["id"] for c in by_pinyin] == [east_company.pk]
