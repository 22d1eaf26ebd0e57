"""Exports: the one visibility rule, the list's filters, chosen columns, formula escaping in CSV
and .xlsx, encodings, constant queries, the log, and the API's errors."""

import csv
import io

import openpyxl
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import QueryDict
from django.urls import reverse

from rapport.activities.services import interaction_create
from rapport.api.tests.conftest import client_for
from rapport.customers.models import RecordType
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    tag_create,
)
from rapport.dataio.models import ExportLog
from rapport.dataio.services import exports as services
from rapport.dataio.services.exports.writers import csv_chunks, escape_formula
from rapport.dataio.views import exports as export_views
from rapport.sales.services.deals import deal_create
from rapport.sales.services.leads import lead_create
from rapport.sales.services.orders import order_create

FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+2", "-3+4", "@SUM(1,2)"]


# --- Helpers -------------------------------------------------------------------------------------


def _download(client, record_type: str, **params) -> tuple:
    response = client.get(reverse("dataio:export_download", args=[record_type]), params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def _csv_rows(body: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(encoding), newline="")))


def _xlsx_sheet(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body)).active


@pytest.fixture
def zhang(alice):
    acme = company_create(actor=alice, data={"name": "上海顶峰贸易有限公司"})
    vip = tag_create(actor=alice, data={"name": "VIP"})
    return person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [{"number": "13800138000"}, {"number": "+14155550123"}],
            "emails": [{"email": "zhang.wei@example.cn"}],
            "employments": [{"company_id": acme.pk, "job_title": "采购经理", "is_primary": True}],
            "tag_ids": [vip.pk],
            "lifecycle_stage": "customer",
        },
    )


@pytest.fixture
def emily(charlie):
    return person_create(
        actor=charlie,
        data={"full_name": "Emily Carter", "phones": [{"number": "13900139000"}]},
    )


def _make_persons(owner, count: int) -> None:
    company = company_create(actor=owner, data={"name": f"公司{count}"})
    tags = [tag_create(actor=owner, data={"name": f"t{count}-{i}"}) for i in range(2)]
    for i in range(count):
        person_create(
            actor=owner,
            data={
                "full_name": f"客户{i}",
                "phones": [{"number": f"1380013{i:04d}"}, {"number": f"1390013{i:04d}"}],
                "emails": [{"email": f"p{i}@example.cn"}],
                "employments": [{"company_id": company.pk, "is_primary": True}],
                "tag_ids": [t.pk for t in tags],
            },
        )


# --- Visibility, filters, columns ----------------------------------------------------------------


def test_rep_export_never_contains_other_team_person(client, charlie, zhang, emily):
    client.force_login(charlie)

    response, body = _download(client, "persons", columns="full_name")

    assert response.status_code == 200
    assert _csv_rows(body) == [["Full name"], ["Emily Carter"]]


def test_colleague_and_administrator_export_the_team_person(client, bob, admin_user, zhang, emily):
    client.force_login(bob)
    _, body = _download(client, "persons", columns="full_name")
    assert _csv_rows(body)[1:] == [["张伟"]]

    client.force_login(admin_user)
    _, body = _download(client, "persons", columns="full_name")
    assert sorted(r[0] for r in _csv_rows(body)[1:]) == ["Emily Carter", "张伟"]


def test_export_applies_the_lists_filters(client, alice, zhang):
    person_create(actor=alice, data={"full_name": "李娜", "lifecycle_stage": "target"})
    client.force_login(alice)

    _, by_stage = _download(client, "persons", columns="full_name", lifecycle_stage="customer")
    _, by_search = _download(client, "persons", columns="full_name", q="李娜")
    _, by_tag = _download(
        client, "persons", columns="full_name", tag_id=zhang.tags.get().pk, sort="-updated_at"
    )

    assert _csv_rows(by_stage)[1:] == [["张伟"]]
    assert _csv_rows(by_search)[1:] == [["李娜"]]
    assert _csv_rows(by_tag)[1:] == [["张伟"]]


def test_export_has_the_chosen_columns_in_order_with_all_phones(client, alice, zhang):
    client.force_login(alice)

    _, body = _download(client, "persons", columns="emails,full_name,phones,company,tags,job_title")

    assert _csv_rows(body) == [
        ["Email", "Full name", "Phone", "Company", "Tags", "Job title"],
        [
            "zhang.wei@example.cn",
            "张伟",
            "+8613800138000; +14155550123",
            "上海顶峰贸易有限公司",
            "VIP",
            "采购经理",
        ],
    ]


def test_person_phones_and_emails_go_out_in_a_column_per_label(client, alice):
    person_create(
        actor=alice,
        data={
            "full_name": "张伟",
            "phones": [
                {"number": "13800138000", "label": "mobile"},
                {"number": "021-6000 1234", "label": "fax"},
                {"number": "13900139000", "label": "mobile"},
            ],
            "emails": [{"email": "zw@home.example.cn", "label": "home"}],
        },
    )
    client.force_login(alice)

    _, body = _download(client, "persons", columns="phones,work_phones,faxes,emails,home_emails")

    # Headed as the import's fields for each label, so that they come back labelled.
    assert _csv_rows(body) == [
        ["Phone", "Work phone", "Fax", "Email", "Home e-mail"],
        ["+8613800138000; +8613900139000", "", "+862160001234", "", "zw@home.example.cn"],
    ]


def test_birthday_without_a_year_is_month_and_day_as_google_writes_it(client, alice):
    person_create(
        actor=alice, data={"full_name": "Emily Carter", "birth_month": 7, "birth_day": 14}
    )
    client.force_login(alice)

    _, csv_body = _download(client, "persons", columns="birthday")
    _, xlsx_body = _download(client, "persons", columns="birthday", format="xlsx")

    # "--07-14" is a sum to a spreadsheet: guarded, and the import drops the guard's quote.
    assert _csv_rows(csv_body)[1] == ["'--07-14"]
    cell = _xlsx_sheet(xlsx_body)["A2"]
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", "--07-14", True)


def test_custom_field_is_a_column(client, admin_user, alice):
    custom_field_create(
        actor=admin_user,
        data={
            "record_type": RecordType.PERSON,
            "key": "wechat",
            "label": "微信号",
            "field_type": "text",
        },
    )
    person_create(actor=alice, data={"full_name": "王芳", "custom": {"wechat": "wangfang88"}})
    client.force_login(alice)

    _, body = _download(client, "persons", columns="full_name,cf_wechat")

    assert _csv_rows(body) == [["Full name", "微信号"], ["王芳", "wangfang88"]]


def test_keyset_chunks_return_every_row_once(alice):
    _make_persons(alice, 7)
    plan = services.export_plan(
        actor=alice, record_type="persons", params=_query(columns="full_name")
    )

    chunks = list(services.export_rows(actor=alice, plan=plan, chunk_size=3))

    assert [len(c) for c in chunks] == [3, 3, 1]
    assert sorted(row[0] for chunk in chunks for row in chunk) == sorted(
        f"客户{i}" for i in range(7)
    )


def _query(**params) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(params)
    return query


# --- Formula escaping ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*FORMULAS, "\tx", "\rx"])
def test_escape_formula_prefixes_a_quote(text):
    assert escape_formula(text) == "'" + text


def test_plain_text_and_numbers_are_not_escaped():
    body = b"".join(csv_chunks(["A", "B", "C"], [[["张伟", -5, "a=b"]]], encoding="utf-8"))
    assert _csv_rows(body)[1] == ["张伟", "-5", "a=b"]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_escapes_formula_text(client, alice, text):
    person_create(actor=alice, data={"full_name": "赵敏", "notes": text})
    client.force_login(alice)

    _, body = _download(client, "persons", columns="full_name,notes")

    assert _csv_rows(body)[1] == ["赵敏", "'" + text]


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_writes_formula_text_as_a_string_cell(client, alice, text):
    person_create(actor=alice, data={"full_name": "赵敏", "notes": text})
    client.force_login(alice)

    response, body = _download(client, "persons", columns="full_name,notes", format="xlsx")

    sheet = _xlsx_sheet(body)
    cell = sheet["B2"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert [c.value for c in sheet[1]] == ["Full name", "Notes"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix is True


def test_e164_phones_are_written_without_a_mark_in_csv_and_xlsx(client, alice, zhang):
    client.force_login(alice)

    _, csv_body = _download(client, "persons", columns="phones")
    _, xlsx_body = _download(client, "persons", columns="phones", format="xlsx")

    # Signed numbers name no function and no cell: nothing to guard, no quote to see.
    assert _csv_rows(csv_body)[1] == ["+8613800138000; +14155550123"]
    cell = _xlsx_sheet(xlsx_body)["A2"]
    assert (cell.data_type, cell.value) == ("s", "+8613800138000; +14155550123")
    assert cell.quotePrefix is False


@pytest.mark.parametrize("text", ["+8613800138000", "-12", "-0.5", "+8613800138000; +14155550123"])
def test_signed_numbers_are_not_guarded(text):
    assert escape_formula(text) == text


@pytest.mark.parametrize("text", ["--07-14", "+1 ", "-1e5", "+86; =1", "-12;+3", "+１２"])
def test_text_that_is_more_than_signed_numbers_is_guarded(text):
    assert escape_formula(text) == "'" + text


def test_xlsx_keeps_amounts_as_numbers(client, alice):
    deal_create(actor=alice, data={"title": "=年度采购", "amount": "12800.50"})
    client.force_login(alice)

    _, body = _download(client, "deals", columns="title,amount", format="xlsx")

    title, amount = _xlsx_sheet(body)[2]
    assert (title.data_type, title.value) == ("s", "=年度采购")
    assert amount.data_type == "n"
    assert amount.value == pytest.approx(12800.5)


# --- Encodings -----------------------------------------------------------------------------------


def test_utf8_csv_starts_with_a_byte_order_mark(client, alice, zhang):
    client.force_login(alice)

    response, body = _download(client, "persons", columns="full_name")

    assert body.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="persons-' in response["Content-Disposition"]


def test_gbk_csv_decodes_and_replaces_what_gbk_lacks(client, alice):
    person_create(actor=alice, data={"full_name": "张伟", "notes": "好评😀"})
    client.force_login(alice)

    response, body = _download(client, "persons", columns="full_name,notes", format="csv_gbk")

    assert response["Content-Type"] == "text/csv; charset=gbk"
    assert not body.startswith(b"\xef\xbb\xbf")
    assert _csv_rows(body, "gbk") == [["Full name", "Notes"], ["张伟", "好评?"]]


def test_header_is_in_the_users_language(client, alice, zhang):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client.force_login(alice)

    _, body = _download(client, "persons", columns="full_name,lifecycle_stage")

    assert _csv_rows(body) == [["姓名", "生命周期阶段"], ["张伟", "成交客户"]]


def test_choice_labels_follow_each_exports_language(client, alice, bob, zhang):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    _, chinese = _download(client, "persons", columns="full_name,lifecycle_stage")
    client.force_login(bob)
    _, english = _download(client, "persons", columns="full_name,lifecycle_stage")

    assert _csv_rows(chinese)[1] == ["张伟", "成交客户"]
    assert _csv_rows(english)[1] == ["张伟", "Customer"]


# --- Queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 50])
def test_export_queries_do_not_grow_with_rows(client, alice, count, django_assert_max_num_queries):
    _make_persons(alice, count)
    client.force_login(alice)
    columns = "full_name,phones,emails,company,tags,owner,owner_name,team,city,street"

    # Session and user, the import's fields for the headers (custom fields), the log row
    # (insert + update) and its audit line, one chunk: persons with owner and team, then tags,
    # primary employments, phones, e-mails and addresses.
    with django_assert_max_num_queries(15):
        _, body = _download(client, "persons", columns=columns)

    assert len(_csv_rows(body)) == count + 1


@pytest.mark.parametrize("count", [3, 12])
def test_order_export_queries_do_not_grow_with_orders_or_lines(
    client, alice, zhang, count, django_assert_max_num_queries
):
    for i in range(count):
        order_create(
            actor=alice,
            data={
                "person_id": zhang.pk,
                "lines": [
                    {"description": f"Tea {i}", "quantity": 1, "unit_price": "10.00"},
                    {"description": f"Cups {i}", "quantity": 2, "unit_price": "5.00"},
                ],
            },
        )
    client.force_login(alice)

    columns = (
        "number,customer,person_phone,person_email,company,status,placed_at,currency,total,"
        "paid_amount,owner,owner_name,team,sku,description,quantity,unit_price,discount,line_total"
    )

    # Session and user, the log row (insert in a savepoint, update) and its audit line, one
    # chunk: orders with customer, owner and team, then their lines with products.
    with django_assert_max_num_queries(9):
        _, body = _download(client, "orders", columns=columns)

    assert len(_csv_rows(body)) == 2 * count + 1


# --- The log -------------------------------------------------------------------------------------


def test_export_is_logged_when_it_finishes(client, alice, zhang):
    client.force_login(alice)

    response = client.get(
        reverse("dataio:export_download", args=["persons"]),
        {"columns": "full_name,phones", "lifecycle_stage": "customer", "format": "csv_gbk"},
    )
    log = ExportLog.objects.get()
    assert log.finished_at is None
    b"".join(response.streaming_content)

    log.refresh_from_db()
    assert log.user == alice
    assert log.record_type == "persons"
    assert log.file_format == "csv_gbk"
    assert log.filters == {"lifecycle_stage": "customer"}
    assert log.columns == ["full_name", "phones"]
    assert log.row_count == 1
    assert log.finished_at is not None
    assert log.via_api is False


def test_interrupted_download_is_logged_as_not_finished(rf, alice):
    _make_persons(alice, 3)
    request = rf.get(reverse("dataio:export_download", args=["persons"]), {"columns": "full_name"})
    request.user = alice
    response = export_views.export_download(request, "persons")
    stream = iter(response.streaming_content)

    next(stream)  # the header
    next(stream)  # the first chunk
    # What a WSGI server does when the client goes away. Like Django's test client, keep the
    # test's transaction open while request_finished fires.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    log = ExportLog.objects.get()
    assert log.finished_at is None
    assert log.row_count == 3


def test_log_page_shows_own_exports_and_all_to_administrators(client, alice, bob, admin_user):
    for user in (alice, bob):
        client.force_login(user)
        _download(client, "companies", columns="name")

    client.force_login(alice)
    own = client.get(reverse("dataio:export_log")).content.decode()
    client.force_login(admin_user)
    every = client.get(reverse("dataio:export_log")).content.decode()

    assert own.count('data-testid="export-log-row"') == 1
    assert every.count('data-testid="export-log-row"') == 2
    assert "bob" in every


# --- The export page -----------------------------------------------------------------------------


def test_list_export_link_carries_the_filters(client, alice):
    client.force_login(alice)

    html = client.get(reverse("customers:person_list"), {"lifecycle_stage": "customer"}).content

    expected = reverse("dataio:export_form", args=["persons"]) + "?lifecycle_stage=customer"
    assert expected.encode() in html


def test_export_page_offers_columns_and_keeps_filters(client, admin_user, alice):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "微信号", "field_type": "text"},
    )
    client.force_login(alice)

    response = client.get(
        reverse("dataio:export_form", args=["persons"]),
        {"lifecycle_stage": "customer", "cursor": "abc"},
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert 'name="columns" value="full_name" checked' in html
    assert 'name="columns" value="notes">' in html
    assert 'value="cf_wechat"' in html
    assert '<input type="hidden" name="lifecycle_stage" value="customer">' in html
    assert 'name="cursor"' not in html


def test_export_page_refuses_no_columns(client, alice):
    client.force_login(alice)

    response = client.get(reverse("dataio:export_download", args=["persons"]), {"format": "csv"})

    assert response.status_code == 400
    assert "Choose at least one column." in response.content.decode()
    assert not ExportLog.objects.exists()


def test_unknown_record_type_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("dataio:export_form", args=["secrets"])).status_code == 404


# --- Other record types --------------------------------------------------------------------------


def test_interactions_export_follows_the_customers_visibility(client, alice, charlie, zhang, emily):
    interaction_create(actor=alice, person=zhang, data={"channel": "call", "subject": "=报价跟进"})
    interaction_create(actor=charlie, person=emily, data={"channel": "visit", "subject": "Demo"})
    client.force_login(charlie)

    _, body = _download(client, "interactions", columns="subject,person,channel")

    assert _csv_rows(body) == [["Subject", "Person", "Channel"], ["Demo", "Emily Carter", "Visit"]]


def test_interactions_export_mine_filter(client, alice, bob, zhang):
    interaction_create(actor=alice, person=zhang, data={"channel": "call", "subject": "A"})
    interaction_create(actor=bob, person=zhang, data={"channel": "call", "subject": "B"})
    client.force_login(bob)

    _, body = _download(client, "interactions", columns="subject", mine="1")

    assert _csv_rows(body)[1:] == [["B"]]


def test_leads_deals_orders_exports_follow_the_visibility_rule(client, alice, charlie, zhang):
    lead_create(actor=alice, data={"full_name": "East lead", "phone": "13700137000"})
    lead_create(actor=charlie, data={"full_name": "West lead"})
    deal_create(actor=alice, data={"title": "East deal"})
    deal_create(actor=charlie, data={"title": "West deal"})
    order_create(
        actor=alice,
        data={
            "person_id": zhang.pk,
            "lines": [{"description": "Tea", "quantity": 1, "unit_price": "10.00"}],
        },
    )
    client.force_login(charlie)

    _, leads = _download(client, "leads", columns="full_name")
    _, deals = _download(client, "deals", columns="title")
    _, orders = _download(client, "orders", columns="number")

    assert _csv_rows(leads)[1:] == [["West lead"]]
    assert _csv_rows(deals)[1:] == [["West deal"]]
    assert _csv_rows(orders)[1:] == []

    client.force_login(alice)
    _, orders = _download(client, "orders", columns="customer,total,status")
    assert _csv_rows(orders)[1:] == [["张伟", "10.00", "Placed"]]


def test_order_export_is_a_row_per_line_with_the_customers_contact(client, alice, zhang):
    order = order_create(
        actor=alice,
        data={
            "person_id": zhang.pk,
            "lines": [
                {"description": "Tea", "quantity": 2, "unit_price": "10.00"},
                {"description": "Cups", "quantity": 1, "unit_price": "5.00", "discount": "1.00"},
            ],
        },
    )
    client.force_login(alice)
    columns = "number,person_phone,person_email,description,quantity,unit_price,discount,total"

    _, body = _download(client, "orders", columns=columns)

    # Headed as the order import's fields, the order's columns repeated on each of its lines.
    assert _csv_rows(body) == [
        ["Order reference", "Customer's phone", "Customer's e-mail", "Description", "Quantity",
         "Unit price", "Discount", "Total"],
        [order.number, "+8613800138000", "zhang.wei@example.cn", "Tea", "2", "10.00", "0.00",
         "24.00"],
        [order.number, "+8613800138000", "zhang.wei@example.cn", "Cups", "1", "5.00", "1.00",
         "24.00"],
    ]  # fmt: skip
    assert ExportLog.objects.get().row_count == 2


def test_order_export_without_line_columns_is_a_row_per_order(client, alice, zhang):
    order_create(
        actor=alice,
        data={
            "person_id": zhang.pk,
            "lines": [
                {"description": "Tea", "quantity": 2, "unit_price": "10.00"},
                {"description": "Cups", "quantity": 1, "unit_price": "5.00"},
            ],
        },
    )
    client.force_login(alice)

    _, body = _download(client, "orders", columns="customer,total")

    assert _csv_rows(body) == [["Customer", "Total"], ["张伟", "25.00"]]


def test_interaction_export_names_who_logged_it_by_user_name_and_name(client, alice, zhang):
    alice.first_name, alice.last_name = "丽", "艾"
    alice.save(update_fields=["first_name", "last_name"])
    interaction_create(actor=alice, person=zhang, data={"channel": "call", "subject": "报价"})
    client.force_login(alice)

    _, body = _download(
        client, "interactions", columns="subject,person_phone,logged_by,logged_by_name"
    )

    assert _csv_rows(body) == [
        ["Subject", "Customer's phone", "Logged by (user name or e-mail)", "Logged by (name)"],
        ["报价", "+8613800138000", "alice", "艾丽"],
    ]


# --- API -----------------------------------------------------------------------------------------


def _api_download(api, record_type: str, **params):
    response = api.get(f"/exports/{record_type}", params)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_api_export_is_the_callers_visible_rows_and_logged(alice, charlie, zhang, emily):
    api = client_for(charlie)

    response, body = _api_download(api, "persons", columns="full_name,phones")

    assert response.status_code == 200
    assert _csv_rows(body) == [["Full name", "Phone"], ["Emily Carter", "+8613900139000"]]
    log = ExportLog.objects.get()
    assert (log.user, log.via_api, log.row_count) == (charlie, True, 1)


def test_api_export_of_another_teams_customer_is_empty(alice, charlie, zhang):
    interaction_create(actor=alice, person=zhang, data={"channel": "call", "subject": "x"})
    api = client_for(charlie)

    _, body = _api_download(api, "interactions", columns="subject", person_id=str(zhang.pk))

    assert _csv_rows(body) == [["Subject"]]


def test_api_xlsx_export(alice, zhang):
    _, body = _api_download(client_for(alice), "persons", columns="full_name", format="xlsx")
    assert _xlsx_sheet(body)["A2"].value == "张伟"


def test_api_unknown_column_is_400(alice):
    response = client_for(alice).get("/exports/persons", {"columns": "full_name,salary"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_column"
    assert "salary" in body["message"]
    assert "columns" in body["details"]
    assert not ExportLog.objects.exists()


def test_api_unknown_format_is_400(alice):
    response = client_for(alice).get("/exports/persons", {"format": "pdf"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_format"


def test_api_unknown_record_type_is_404(alice):
    response = client_for(alice).get("/exports/salaries")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_columns_lists_custom_fields(admin_user, alice):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "微信号", "field_type": "text"},
    )

    columns = client_for(alice).get("/exports/persons/columns").json()

    assert {"key": "full_name", "label": "Full name", "default": True} in columns
    assert {"key": "cf_wechat", "label": "微信号", "default": False} in columns


def test_api_log_lists_own_exports_only(alice, bob, django_assert_max_num_queries):
    for user in (alice, bob):
        _api_download(client_for(user), "persons", columns="full_name")
    api = client_for(alice)

    with django_assert_max_num_queries(4):
        items = api.get("/exports").json()["items"]

    assert [(i["user"]["name"], i["record_type"], i["row_count"]) for i in items] == [
        ("alice", "persons", 0)
    ]
    assert items[0]["finished_at"] is not None
