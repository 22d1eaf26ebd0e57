"""The person's vCard download: a vCard 3.0 file that Outlook, Apple and Google read, and that
the import reads back (rapport.dataio) into the same names, phones, e-mails, company and
addresses."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.customers.models import Person
from rapport.customers.services import company_create, person_create
from rapport.dataio.models import ImportStatus
from rapport.dataio.services.imports import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(alice):
    company = company_create(actor=alice, data={"name": "上海远景科技有限公司"})
    return person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "given_name": "Wei",
            "family_name": "Zhang",
            "nickname": "小张",
            "birthday": "1985-03-12",
            "website": "https://zhang.example.cn",
            "phones": [
                {"label": "mobile", "number": "13812345678"},
                {"label": "work", "number": "021-62345678"},
                {"label": "fax", "number": "021-62345679"},
            ],
            "emails": [
                {"label": "work", "email": "zhang.wei@yuanjing.example.cn"},
                {"label": "home", "email": "zw1985@mail.example.cn"},
            ],
            "employments": [
                {
                    "company_id": company.pk,
                    "job_title": "采购经理",
                    "department": "采购部",
                    "is_primary": True,
                }
            ],
            "addresses": [
                {
                    "label": "work",
                    "country": "CN",
                    "province": "上海市",
                    "city": "上海市",
                    "street": "世纪大道100号, 20楼; A座",
                    "postcode": "200120",
                },
                {"label": "home", "country": "CN", "province": "浙江省", "city": "杭州市"},
            ],
        },
    )


def download(client, user, person) -> bytes:
    client.force_login(user)
    response = client.get(reverse("customers:person_vcard", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    return response.content


def facts(person: Person) -> dict:
    return {
        "full_name": person.full_name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "nickname": person.nickname,
        "birthday": person.birthday,
        "website": person.website,
        "phones": list(person.phones.order_by("id").values_list("label", "number")),
        "emails": list(person.emails.order_by("id").values_list("label", "email")),
        "jobs": list(person.employments.values_list("company__name", "job_title", "department")),
        "addresses": list(
            person.addresses.order_by("id").values_list(
                "label", "country", "province", "city", "street", "postcode"
            )
        ),
    }


def test_card_is_vcard_3_with_crlf_lines_folded_at_75_octets(client, alice, zhang):
    card = download(client, alice, zhang)

    lines = card.split(b"\r\n")
    assert lines[:2] == [b"BEGIN:VCARD", b"VERSION:3.0"]
    assert lines[-2:] == [b"END:VCARD", b""]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in card.replace(b"\r\n", b"")
    text = card.decode().replace("\r\n ", "")  # unfolded; folding never cut a character
    assert "FN:张伟" in text
    assert "N:Zhang;Wei;;;" in text
    assert "TEL;TYPE=CELL,VOICE,PREF:+8613812345678" in text
    assert "ORG:上海远景科技有限公司;采购部" in text
    assert "ADR;TYPE=WORK:;;世纪大道100号\\, 20楼\\; A座;上海市;上海市;200120;CN" in text


def test_file_is_named_after_the_person(client, alice, zhang):
    client.force_login(alice)

    response = client.get(reverse("customers:person_vcard", args=[zhang.pk]))

    assert response["Content-Disposition"] == (
        f"attachment; filename=\"person-{zhang.pk}.vcf\"; filename*=UTF-8''%E5%BC%A0%E4%BC%9F.vcf"
    )


def test_downloaded_card_imports_back_to_the_same_person(client, alice, zhang, settings, tmp_path):
    settings.RAPPORT_IMPORT_DIR = tmp_path / "imports"
    card = download(client, alice, zhang)
    before = facts(zhang)
    zhang.delete()

    job = jobs.import_upload(
        actor=alice,
        file=SimpleUploadedFile("zhang.vcf", card),
        original_name="zhang.vcf",
        target="persons",
    )
    job = jobs.import_set_mapping(
        actor=alice, job=job, mapping=job.mapping, defaults={}, mode="create", match_on="email"
    )
    job = jobs.import_start(actor=alice, job=job)
    done = jobs.import_run(job.pk)

    assert (done.status, done.created_count, done.rejected_count) == (ImportStatus.DONE, 1, 0)
    assert facts(Person.objects.get()) == before


def test_person_page_offers_the_download(client, alice, zhang):
    client.force_login(alice)

    html = client.get(reverse("customers:person_detail", args=[zhang.pk])).content.decode()

    assert f'href="{reverse("customers:person_vcard", args=[zhang.pk])}"' in html


def test_another_teams_person_answers_404(client, charlie, zhang):
    client.force_login(charlie)

    response = client.get(reverse("customers:person_vcard", args=[zhang.pk]))

    assert response.status_code == 404
