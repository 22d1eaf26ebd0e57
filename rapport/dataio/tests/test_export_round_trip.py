"""An export imports back: persons, companies, interactions, leads and orders exported (every
column; CSV in UTF-8 and GBK, .xlsx; English and Chinese headers) import into a database without
them with the mapping the import proposes, no row rejected, and the same records field by field."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext

from rapport.accounts.services import user_create
from rapport.activities.models import Interaction
from rapport.activities.services import interaction_create
from rapport.customers.models import Company, Person, RecordType
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    tag_create,
)
from rapport.dataio.services import exports
from rapport.dataio.services.imports import jobs
from rapport.dataio.services.imports.mapping import import_fields, propose_mapping
from rapport.dataio.tests.test_import_jobs_helpers import import_dir, run  # noqa: F401
from rapport.sales.models import Lead, Order
from rapport.sales.services.catalog import product_create
from rapport.sales.services.leads import lead_create
from rapport.sales.services.orders import order_create

PLACED = datetime.datetime(2025, 3, 5, 14, 30)
# In the order they import: persons name their companies, interactions and orders their persons.
TARGETS = ("companies", "persons", "interactions", "leads", "orders")


@pytest.fixture
def wu(east):
    return user_create(
        username="wujing", password="x-Passw0rd-x", team=east, first_name="静", last_name="吴"
    )


@pytest.fixture
def records(admin_user, alice, bob, wu):
    """Companies, persons, leads and orders of three owners, with what exports can get wrong:
    Chinese and English names, several phones and e-mails, addresses, tags, custom fields, a
    birthday without a year, notes that start like a formula, amounts in two currencies."""
    for record_type, key, label, field_type, choices in (
        (RecordType.PERSON, "wechat", "微信号", "text", []),
        (RecordType.PERSON, "visits", "Visits", "number", []),
        (RecordType.PERSON, "first_met", "初次见面", "date", []),
        (RecordType.PERSON, "grade", "客户等级", "choice", ["A", "B"]),
        (RecordType.PERSON, "interests", "Interests", "multi_choice", ["茶", "Coffee", "Wine"]),
        (RecordType.PERSON, "newsletter", "Newsletter", "boolean", []),
        (RecordType.COMPANY, "tax_id", "税号", "text", []),
    ):
        custom_field_create(
            actor=admin_user,
            data={
                "record_type": record_type,
                "key": key,
                "label": label,
                "field_type": field_type,
                "choices": choices,
            },
        )
    vip = tag_create(actor=alice, data={"name": "VIP"})
    east_china = tag_create(actor=alice, data={"name": "华东"})
    summit = company_create(
        actor=alice,
        data={
            "name": "上海顶峰贸易有限公司",
            "english_name": "Summit Trading Co., Ltd.",
            "website": "https://summit.example.cn",
            "phone": "021-5000 1234",
            "email": "info@summit.example.cn",
            "industry": "贸易",
            "region": "华东",
            "source": "trade_show",
            "lifecycle_stage": "customer",
            "owner_id": bob.pk,
            "tag_ids": [vip.pk, east_china.pk],
            "addresses": [
                {
                    "country": "CN",
                    "province": "上海市",
                    "city": "上海市",
                    "district": "浦东新区",
                    "street": "世纪大道100号",
                    "postcode": "200120",
                }
            ],
            "notes": "=SUM(1,2) 不是公式",
            "custom": {"tax_id": "91310000MA1K000001"},
        },
    )
    acme = company_create(
        actor=alice,
        data={
            "name": "Acme Corp",
            "phone": "+1 415 555 0100",
            "region": "California",
            "addresses": [
                {
                    "country": "US",
                    "province": "CA",
                    "city": "San Francisco",
                    "street": "1 Market St",
                }
            ],
        },
    )
    zhang = person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "gender": "male",
            "birthday": "1985-04-12",
            "phones": [
                {"number": "13800138000", "label": "mobile"},
                {"number": "+14155550123", "label": "work"},
                {"number": "021-6000 1234", "label": "fax"},
            ],
            "emails": [
                {"email": "zhang.wei@example.cn", "label": "work"},
                {"email": "zw@home.example.cn", "label": "home"},
            ],
            "employments": [
                {
                    "company_id": summit.pk,
                    "job_title": "采购经理",
                    "department": "采购部",
                    "is_primary": True,
                }
            ],
            "addresses": [
                {
                    "country": "CN",
                    "province": "浙江省",
                    "city": "杭州市",
                    "district": "西湖区",
                    "street": "文三路 90 号",
                    "postcode": "310012",
                },
                {"label": "home", "province": "浙江省", "city": "杭州市", "street": "龙井路 1 号"},
            ],
            "region": "华东",
            "industry": "贸易",
            "source": "referral",
            "lifecycle_stage": "customer",
            "owner_id": bob.pk,
            "tag_ids": [vip.pk, east_china.pk],
            "notes": "-3+4 的报价\n第二行",
            "custom": {
                "wechat": "zhangwei88",
                "visits": 12,
                "first_met": "2024-11-02",
                "grade": "A",
                "interests": ["茶", "Wine"],
                "newsletter": True,
            },
        },
    )
    emily = person_create(
        actor=alice,
        data={
            "full_name": "Emily Carter",
            "given_name": "Emily",
            "middle_name": "Rose",
            "family_name": "Carter",
            "nickname": "Em",
            "gender": "female",
            "birth_month": 7,
            "birth_day": 14,
            "website": "https://emily.example.com",
            "phones": [{"number": "+1 (415) 555-0199"}],
            "emails": [{"email": "emily@carter.example.com", "label": "other"}],
            "employments": [{"company_id": acme.pk, "job_title": "CTO", "is_primary": True}],
            "region": "California",
            "lifecycle_stage": "potential",
            "source": "web",
            "owner_id": wu.pk,
            "custom": {"newsletter": False, "interests": ["Coffee"]},
        },
    )
    interaction_create(
        actor=bob,
        person=zhang,
        data={
            "channel": "visit",
            "direction": "outbound",
            "occurred_at": timezone.make_aware(PLACED - datetime.timedelta(days=3)),
            "subject": "拜访：=报价",
            "content": "带了样品\n第二行",
            "outcome": "约好下周下单",
        },
    )
    interaction_create(
        actor=wu,
        person=emily,
        data={
            "channel": "email",
            "direction": "inbound",
            "occurred_at": timezone.make_aware(PLACED - datetime.timedelta(hours=5)),
            "subject": "Question about pricing",
        },
    )
    for data in (
        {
            "full_name": "李娜",
            "company_name": "杭州云图科技",
            "job_title": "总监",
            "phone": "13900139000",
            "email": "lina@yuntu.example.cn",
            "region": "华东",
            "city": "杭州",
            "source": "trade_show",
            "campaign": "2025 春季展会",
            "budget": "50000.00",
            "message": "@所有人 需要报价",
            "status": "contacted",
            "owner_id": bob.pk,
        },
        {"full_name": "John Smith", "email": "john@smith.example.com", "owner_id": alice.pk},
    ):
        lead_create(actor=alice, data=data)
    tea = product_create(
        actor=admin_user, data={"sku": "TEA-01", "name": "龙井茶", "unit_price": "128.00"}
    )
    usb = product_create(
        actor=admin_user,
        data={"sku": "USB-01", "name": "USB hub", "unit_price": "19.99", "currency": "USD"},
    )
    placed = timezone.make_aware(PLACED)
    order_create(
        actor=alice,
        data={
            "person_id": zhang.pk,
            "company_id": summit.pk,
            "placed_at": placed,
            "lines": [
                {"product_id": tea.pk, "description": "龙井茶 250g", "quantity": 3},
                {
                    "description": "安装服务",
                    "quantity": 1,
                    "unit_price": "500.00",
                    "discount": "50.00",
                },
            ],
        },
    )
    order_create(
        actor=alice,
        data={
            "company_id": acme.pk,
            "currency": "USD",
            "placed_at": placed + datetime.timedelta(days=1, minutes=5),
            "lines": [{"product_id": usb.pk, "quantity": 10, "discount": "9.90"}],
        },
    )
    order_create(
        actor=alice,
        data={
            "person_id": emily.pk,
            "placed_at": placed + datetime.timedelta(days=2),
            "lines": [{"description": "Consulting", "quantity": 2, "unit_price": "1250.50"}],
        },
    )


# --- Records as plain values, to compare -------------------------------------------------------


def _common(record) -> dict:
    return {
        "industry": record.industry,
        "region": record.region,
        "source": record.source,
        "lifecycle_stage": record.lifecycle_stage,
        "owner": record.owner.username,
        "team": record.team.name if record.team else None,
        "notes": record.notes,
        "custom": record.custom,
        "tags": sorted(t.name for t in record.tags.all()),
        "addresses": [
            (a.label, a.country, a.province, a.city, a.district, a.street, a.postcode)
            for a in record.addresses.all()
        ],
    }


def _companies() -> dict:
    return {
        c.name: {
            **_common(c),
            "english_name": c.english_name,
            "website": c.website,
            "phone": c.phone,
            "email": c.email,
        }
        for c in Company.objects.all()
    }


def _persons() -> dict:
    fields = ("given_name", "middle_name", "family_name", "nickname", "gender", "birthday",
              "birth_month", "birth_day", "website")  # fmt: skip
    return {
        p.full_name: {
            **_common(p),
            **{f: getattr(p, f) for f in fields},
            "phones": [(x.number, x.label, x.is_primary) for x in p.phones.all()],
            "emails": [(x.email, x.label, x.is_primary) for x in p.emails.all()],
            "primary": (p.primary_phone, p.primary_email),
            "employments": [
                (e.company.name, e.job_title, e.department, e.is_primary)
                for e in p.employments.all()
            ],
        }
        for p in Person.objects.all()
    }


def _interactions() -> dict:
    return {
        (i.person.full_name, i.subject): {
            "company": i.company.name if i.company else None,
            "channel": i.channel,
            "direction": i.direction,
            "occurred_at": i.occurred_at,
            "content": i.content,
            "outcome": i.outcome,
            "logged_by": i.logged_by.username,
        }
        for i in Interaction.objects.all()
    }


def _leads() -> dict:
    fields = ("company_name", "job_title", "phone", "email", "region", "city", "source",
              "campaign", "budget", "message", "status")  # fmt: skip
    return {
        lead.full_name: {
            **{f: getattr(lead, f) for f in fields},
            "owner": lead.owner.username,
            "team": lead.team.name,
        }
        for lead in Lead.objects.all()
    }


def _orders() -> dict:
    return {
        (
            order.person.full_name if order.person else None,
            order.company.name if order.company else None,
        ): {
            "placed_at": order.placed_at,
            "currency": order.currency,
            "status": order.status,
            "subtotal": order.subtotal,
            "discount_total": order.discount_total,
            "total": order.total,
            "owner": order.owner.username,
            "lines": [
                (
                    line.product.sku if line.product else None,
                    line.description,
                    line.quantity,
                    line.unit_price,
                    line.discount,
                    line.line_total,
                )
                for line in order.lines.all()
            ],
        }
        for order in Order.objects.all()
    }


SNAPSHOTS = {
    "companies": _companies,
    "persons": _persons,
    "interactions": _interactions,
    "leads": _leads,
    "orders": _orders,
}


def _snapshot() -> dict:
    return {target: SNAPSHOTS[target]() for target in TARGETS}


def _wipe() -> None:
    # Orders hold their customers; the catalogue, tags, users and custom fields stay.
    Order.objects.all().delete()
    Lead.objects.all().delete()
    Person.objects.all().delete()
    Company.objects.all().delete()


# --- Export and import through the services ----------------------------------------------------


def _export(actor, target: str, file_format: str) -> tuple[bytes, list[str]]:
    """Every column of the list, as the download writes it; (file, header)."""
    kind = exports.get_export_kind(target)
    params = QueryDict(mutable=True)
    params.setlist("columns", [c.key for c in kind.available_columns()])
    params["format"] = file_format
    plan = exports.export_plan(actor=actor, record_type=target, params=params)
    response = exports.export_response(actor=actor, plan=plan)
    body = b"".join(response.streaming_content)
    return body, [str(c.label) for c in plan.columns]


def _expected_mapping(target: str, header: list[str]) -> dict[str, str]:
    """What the import must propose for the export's header: every column headed with an
    import field's label to that field, Rapport's ID as the external ID, nothing else."""
    kind = exports.get_export_kind(target)
    keys = {f.key for f in import_fields(target)}
    columns = kind.available_columns()
    expected = {
        h: c.import_key for h, c in zip(header, columns, strict=True) if c.import_key in keys
    }
    # Rapport's ID is another system's external ID, where the import has one.
    ids = {h: "external_id" for h, c in zip(header, columns, strict=True) if c.key == "id"}
    return expected | (ids if "external_id" in keys else {})


def _import(actor, target: str, body: bytes, file_format: str):
    name = f"{target}.{'xlsx' if file_format == 'xlsx' else 'csv'}"
    job = jobs.import_upload(
        actor=actor, file=SimpleUploadedFile(name, body), original_name=name, target=target
    )
    job = jobs.import_set_mapping(actor=actor, job=job, mapping=job.mapping)
    return job, run(job)


def _rejected(job) -> str:
    """The rejected-rows file, for the message of a failing assertion."""
    path = jobs.rejected_path(job)
    return path.read_text(encoding="utf-8-sig") if path.exists() else ""


@pytest.mark.parametrize("file_format", ["csv", "csv_gbk", "xlsx"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_export_imports_back_unchanged(alice, records, language, file_format):
    # Given the records and their exports, every column, headed in one language
    before = _snapshot()
    files = {}
    with translation.override(language):
        for target in TARGETS:
            files[target] = _export(alice, target, file_format)

    # When they are removed and each file is imported with the mapping the import proposes
    _wipe()
    results = {}
    for target in TARGETS:
        body, _header = files[target]
        results[target] = _import(alice, target, body, file_format)

    # Then every column the import has a field for is mapped to it, no row is rejected,
    # and the records are what they were
    for target in TARGETS:
        job, done = results[target]
        assert job.mapping == _expected_mapping(target, files[target][1]), target
        assert (done.status, done.rejected_count, done.skipped_count) == ("done", 0, 0), (
            target,
            _rejected(done),
        )
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("language", "name", "owner"),
    [
        ("en", "Full name", "Owner (user name or e-mail)"),
        ("zh-hans", "姓名", "负责人（用户名或邮箱）"),
    ],
)
def test_owner_is_exported_by_user_name_with_the_display_name_beside_it(
    alice, records, language, name, owner
):
    # Given the persons' export with Chinese or English headers
    with translation.override(language):
        body, header = _export(alice, "persons", "csv")
        owner_name = gettext("Owner's name")

    # Then the owner column, headed as the import's owner field, holds the user name; the name
    # people know the owner by is beside it, and the import leaves that column out
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == header
    emily = next(row for row in rows[1:] if row[header.index(name)] == "Emily Carter")
    at = header.index(owner)
    assert header[at + 1] == owner_name
    assert emily[at : at + 2] == ["wujing", "吴静"]
    assert propose_mapping(header, "persons")[owner] == "owner"
    assert owner_name not in propose_mapping(header, "persons")


def test_dry_run_lists_the_columns_for_reading_as_not_imported(alice, records):
    # Given the persons' export with every column
    body, _header = _export(alice, "persons", "csv")
    job = jobs.import_upload(
        actor=alice,
        file=SimpleUploadedFile("persons.csv", body),
        original_name="persons.csv",
        target="persons",
    )
    job = jobs.import_set_mapping(actor=alice, job=job, mapping=job.mapping)

    # When it is dry-run with the proposed mapping
    done = run(job, dry_run=True)

    # Then nothing is rejected, and the columns the import has no field for that hold a value
    # are listed as left out: the owner's name, the team and the times
    assert done.dry_run["rejected"] == 0
    assert [item["column"] for item in done.dry_run["not_imported"]] == [
        "Owner's name",
        "Team",
        "Created",
        "Updated",
    ]
