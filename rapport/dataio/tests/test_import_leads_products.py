"""Imports of leads and products: what gets written, matching, modes, dry run, undo, who may
import products, and a constant number of queries per batch."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from rapport.api.tests.conftest import client_for
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.dataio.models import ImportJob, ImportRecord, ImportStatus
from rapport.dataio.services.imports import jobs, undo
from rapport.dataio.services.imports.writer import batch as batch_writer
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    csv_bytes,
    import_dir,
    mapped,
    run,
    run_killed_in_batch,
    upload,
)
from rapport.sales.models import Lead, LeadStatus, Product
from rapport.sales.models.leads import LeadEventKind
from rapport.sales.services import leads as lead_services
from rapport.sales.services.catalog import product_create

LEAD_HEADER = ["姓名", "公司", "手机", "邮箱", "来源", "预算", "留言", "状态", "编号"]
LEAD_MAPPING = {
    "姓名": "full_name",
    "公司": "company",
    "手机": "phone",
    "邮箱": "email",
    "来源": "source",
    "预算": "budget",
    "留言": "message",
    "状态": "status",
    "编号": "external_id",
}
PRODUCT_HEADER = ["货号", "名称", "单价", "币种", "是否启用"]
PRODUCT_MAPPING = {
    "货号": "sku",
    "名称": "name",
    "单价": "unit_price",
    "币种": "currency",
    "是否启用": "is_active",
}


def lead_row(i, **values):
    row = {
        "姓名": f"线索{i}",
        "公司": "",
        "手机": f"138{i:08d}",
        "邮箱": f"l{i}@example.cn",
        "来源": "",
        "预算": "",
        "留言": "",
        "状态": "",
        "编号": "",
        **values,
    }
    return [row[c] for c in LEAD_HEADER]


def product_row(sku, name="产品", price="100.00", currency="CNY", active="是"):
    return [sku, name, price, currency, active]


def leads_job(actor, rows, **kwargs):
    return mapped(
        actor, [LEAD_HEADER, *rows], LEAD_MAPPING, name="leads.csv", target="leads", **kwargs
    )


def products_job(actor, rows, **kwargs):
    kwargs.setdefault("match_on", "sku")
    return mapped(
        actor,
        [PRODUCT_HEADER, *rows],
        PRODUCT_MAPPING,
        name="products.csv",
        target="products",
        **kwargs,
    )


def rejected(job) -> list[str]:
    text = b"".join(jobs.rejected_rows_download(job).chunks).decode("utf-8")
    return text.strip().splitlines()[1:]


def undo_now(actor, job, capture):
    with capture(execute=False):
        undo.import_undo(actor=actor, job=job)
    return undo.import_undo_run(job.pk)


# --- Leads ---------------------------------------------------------------------------------------


def test_imported_leads_are_scored_with_their_history_like_lead_create(alice, admin_user):
    lead_services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "trade show", "kind": "source_is", "value": "trade_show", "points": 15},
    )
    lead_services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "big budget", "kind": "budget_at_least", "value": "100000", "points": 25},
    )
    lead_services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "asked", "kind": "interactions_at_least", "value": "1", "points": 5},
    )
    job = leads_job(
        alice,
        [
            lead_row(1, 公司="华为", 来源="展会", 预算="¥150,000.50", 留言="想要报价", 编号="L-1"),
            lead_row(2),
        ],
    )

    job = run(job)

    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 2, 0)
    lead = Lead.objects.get(email="l1@example.cn")
    assert lead.full_name == "线索1"
    assert lead.company_name == "华为"
    assert lead.phone == "+8613800000001"
    assert lead.source == "trade_show"
    assert lead.budget == Decimal("150000.50")
    assert lead.status == LeadStatus.NEW
    assert (lead.owner, lead.team_id, lead.version) == (alice, alice.team_id, 1)
    assert lead.score == 45
    assert [r["reason"] for r in lead.score_reasons] == ["trade show", "big budget", "asked"]
    events = list(lead.events.order_by("pk").values_list("kind", "actor_id", "body"))
    assert events == [
        (LeadEventKind.CREATED, alice.pk, ""),
        (LeadEventKind.INQUIRY, None, "想要报价"),
    ]
    assert lead.events.get(kind=LeadEventKind.CREATED).data["via"] == "import"
    plain = Lead.objects.get(email="l2@example.cn")
    assert (plain.score, plain.score_reasons) == (0, [])
    assert list(plain.events.values_list("kind", flat=True)) == [LeadEventKind.CREATED]
    assert set(ImportRecord.objects.values_list("kind", "action")) == {("lead", "created")}


def test_lead_values_that_fail_are_left_out_and_a_lead_without_a_name_rejected(alice, charlie):
    job = leads_job(
        alice,
        [
            lead_row(1),
            lead_row(2, 姓名=""),
            lead_row(3, 手机="12345"),
            lead_row(4, 状态="converted"),
            lead_row(5, 预算="-3"),
        ],
    )
    with pytest.raises(ValidationFailed):
        # A default owner in another team is refused before any row.
        jobs.import_set_mapping(
            actor=alice,
            job=job,
            mapping=LEAD_MAPPING,
            defaults={"owner": charlie.username},
        )

    job = run(job)

    assert (job.created_count, job.rejected_count, job.warned_count) == (4, 1, 3)
    assert "Name: Enter a name." in "\n".join(rejected(job))
    text = b"".join(jobs.warned_rows_download(job).chunks).decode("utf-8")
    assert "手机: “12345” is not a valid phone number." in text
    assert "状态: “converted” is not a valid choice." in text
    assert "预算:" in text
    leads = dict(Lead.objects.values_list("email", "phone"))
    assert leads == {
        "l1@example.cn": "+8613800000001",
        "l3@example.cn": "",
        "l4@example.cn": "+8613800000004",
        "l5@example.cn": "+8613800000005",
    }
    assert Lead.objects.get(email="l4@example.cn").status == "new"
    assert Lead.objects.get(email="l5@example.cn").budget is None


def test_lead_dry_run_writes_nothing_and_predicts_the_run(alice):
    lead_services.lead_create(actor=alice, data={"full_name": "老线索", "email": "l1@example.cn"})
    rows = [lead_row(1), lead_row(2), lead_row(2), lead_row(3, 姓名="", 邮箱="bad")]

    dry = run(leads_job(alice, rows, mode="upsert", match_on="email"), dry_run=True)

    assert Lead.objects.count() == 1
    assert {k: dry.dry_run[k] for k in ("created", "updated", "skipped", "rejected")} == {
        "created": 1,
        "updated": 1,
        "skipped": 1,
        "rejected": 1,
    }
    job = run(dry)
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (
        1,
        1,
        1,
        1,
    )


@pytest.mark.parametrize("match_on", ["email", "phone"])
def test_upsert_updates_the_visible_lead_with_the_same_contact(alice, bob, match_on):
    lead = lead_services.lead_create(
        actor=bob,
        data={"full_name": "老线索", "email": "l1@example.cn", "phone": "13800000001"},
    )
    rows = [lead_row(1, 姓名="新名字", 状态="qualified", 预算="5000"), lead_row(2)]

    job = run(leads_job(alice, rows, mode="upsert", match_on=match_on))

    lead.refresh_from_db()
    assert (job.created_count, job.updated_count) == (1, 1)
    assert (lead.full_name, lead.status, lead.budget) == ("新名字", "qualified", Decimal("5000"))
    assert lead.version == 2
    assert lead.owner == bob  # the row gives no owner: the lead keeps its own
    status = lead.events.get(kind=LeadEventKind.STATUS)
    assert status.data == {"from": "new", "to": "qualified"}
    assert Lead.objects.count() == 2


def test_leads_are_matched_across_several_lookup_chunks(alice, monkeypatch):
    monkeypatch.setattr(batch_writer, "MATCH_CHUNK", 1)
    for i in (1, 3):
        lead_services.lead_create(
            actor=alice, data={"full_name": f"老线索{i}", "email": f"l{i}@example.cn"}
        )
    rows = [lead_row(i, 姓名=f"新名字{i}") for i in (1, 2, 3)]

    job = run(leads_job(alice, rows, mode="upsert", match_on="email"))

    assert (job.created_count, job.updated_count) == (1, 2)
    assert set(Lead.objects.values_list("full_name", flat=True)) == {
        "新名字1",
        "新名字2",
        "新名字3",
    }


def test_another_teams_lead_is_neither_matched_nor_changed(alice, charlie):
    theirs = lead_services.lead_create(
        actor=charlie, data={"full_name": "西区线索", "email": "l1@example.cn"}
    )

    update_only = run(leads_job(alice, [lead_row(1, 姓名="改名")], mode="update"))
    upsert = run(leads_job(alice, [lead_row(1, 姓名="改名")], mode="upsert"))

    theirs.refresh_from_db()
    assert (theirs.full_name, theirs.version) == ("西区线索", 1)
    assert (update_only.updated_count, update_only.rejected_count) == (0, 1)
    assert "No existing record has this email." in rejected(update_only)[0]
    assert (upsert.created_count, upsert.updated_count) == (1, 0)
    assert Lead.objects.get(email="l1@example.cn", team=alice.team).full_name == "改名"


def test_external_ids_let_a_second_lead_import_update_instead_of_duplicating(alice):
    run(leads_job(alice, [lead_row(1, 编号="CRM-1")]))

    job = run(
        leads_job(
            alice,
            [lead_row(9, 姓名="同一个人", 编号="CRM-1")],
            mode="update",
            match_on="external_id",
        )
    )

    assert (job.updated_count, job.rejected_count) == (1, 0)
    assert list(Lead.objects.values_list("full_name", "email")) == [("同一个人", "l9@example.cn")]


def test_a_converted_lead_is_not_changed_by_an_import(alice):
    lead = lead_services.lead_create(
        actor=alice, data={"full_name": "老线索", "email": "l1@example.cn"}
    )
    lead_services.lead_convert(actor=alice, lead=lead, create_deal=False)

    job = run(leads_job(alice, [lead_row(1, 姓名="改名")], mode="upsert"))

    lead.refresh_from_db()
    assert (job.updated_count, job.rejected_count) == (0, 1)
    assert "This lead was converted" in rejected(job)[0]
    assert lead.full_name == "老线索"


def test_undo_removes_imported_leads_and_reverts_updated_ones(
    alice, admin_user, django_capture_on_commit_callbacks
):
    lead_services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "big budget", "kind": "budget_at_least", "value": "1000", "points": 40},
    )
    lead = lead_services.lead_create(
        actor=alice, data={"full_name": "老线索", "email": "l1@example.cn", "budget": "10"}
    )
    job = run(leads_job(alice, [lead_row(1, 预算="9000"), lead_row(2)], mode="upsert"))
    lead.refresh_from_db()
    assert (lead.budget, lead.score) == (Decimal("9000"), 40)

    job = undo_now(alice, job, django_capture_on_commit_callbacks)

    lead.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert (lead.full_name, lead.budget, lead.score, lead.phone) == (
        "老线索",
        Decimal("10.00"),
        0,
        "",
    )
    assert list(Lead.objects.values_list("pk", flat=True)) == [lead.pk]
    assert not ImportRecord.objects.exists()


def test_a_lead_import_killed_mid_batch_resumes_without_doubling(alice, monkeypatch):
    job = jobs.import_start(actor=alice, job=leads_job(alice, [lead_row(i) for i in range(7)]))
    run_killed_in_batch(job, monkeypatch, batch=2, batch_size=3)
    assert Lead.objects.count() == 3

    job = jobs.import_run(job.pk, batch_size=3)

    assert (job.status, job.created_count) == (ImportStatus.DONE, 7)
    assert Lead.objects.count() == 7
    assert ImportRecord.objects.filter(job=job, kind="lead").count() == 7


# --- Products ------------------------------------------------------------------------------------


def test_a_sales_manager_imports_products_with_exact_prices(diana):
    job = products_job(
        diana,
        [
            product_row("SKU-1", "标准版", "1999.90"),
            product_row("SKU-2", "专业版", "￥2,999", currency="usd", active="否"),
            product_row("SKU-3", "坏价格", "-5"),
            product_row("SKU-4", "坏币种", "10", currency="元"),
            product_row("", "没有货号", "10"),
            product_row("SKU-1", "重复", "1"),
        ],
    )

    job = run(job)

    assert (job.created_count, job.skipped_count, job.rejected_count) == (2, 1, 3)
    first, second = Product.objects.order_by("sku")
    assert (first.sku, first.name, first.unit_price, first.currency, first.is_active) == (
        "SKU-1",
        "标准版",
        Decimal("1999.90"),
        "CNY",
        True,
    )
    assert (second.unit_price, second.currency, second.is_active) == (
        Decimal("2999.00"),
        "USD",
        False,
    )
    reasons = "\n".join(rejected(job))
    assert "币种: Use a three-letter currency code, e.g. CNY." in reasons
    assert "SKU: This field is required." in reasons
    assert "单价:" in reasons


def test_product_upsert_matches_on_sku_and_undo_reverts_the_price(
    diana, django_capture_on_commit_callbacks
):
    kept = product_create(
        actor=diana,
        data={"sku": "SKU-1", "name": "旧名", "unit_price": "10.00", "category": "软件"},
    )
    job = run(
        products_job(
            diana, [product_row("SKU-1", "新名", "12.34"), product_row("SKU-2")], mode="upsert"
        )
    )
    kept.refresh_from_db()
    assert (job.created_count, job.updated_count) == (1, 1)
    assert (kept.name, kept.unit_price, kept.category) == ("新名", Decimal("12.34"), "软件")

    job = undo_now(diana, job, django_capture_on_commit_callbacks)

    kept.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert (kept.name, kept.unit_price) == ("旧名", Decimal("10.00"))
    assert list(Product.objects.values_list("sku", flat=True)) == ["SKU-1"]


def test_product_create_only_skips_known_skus_and_update_only_rejects_new_ones(diana):
    product_create(actor=diana, data={"sku": "SKU-1", "name": "旧名", "unit_price": "10"})

    create = run(products_job(diana, [product_row("SKU-1", "新名"), product_row("SKU-2")]))
    update = run(products_job(diana, [product_row("SKU-3")], mode="update"))

    assert (create.created_count, create.skipped_count) == (1, 1)
    assert Product.objects.get(sku="SKU-1").name == "旧名"
    assert (update.updated_count, update.rejected_count) == (0, 1)
    assert "No existing product has this SKU." in rejected(update)[0]


def test_products_are_matched_on_sku_whatever_the_client_sends(diana):
    job = products_job(diana, [product_row("SKU-1")], match_on="email")

    assert job.match_on == "sku"


def test_a_representative_cannot_import_products(alice, diana):
    with pytest.raises(ValidationFailed) as refused:
        upload(alice, [PRODUCT_HEADER, product_row("SKU-1")], target="products")
    assert refused.value.details["target"] == [
        "Only administrators and sales managers can import products."
    ]
    job = products_job(diana, [product_row("SKU-1")])
    with pytest.raises(PermissionDenied):
        jobs.import_set_mapping(actor=alice, job=job, mapping=PRODUCT_MAPPING, match_on="sku")
    with pytest.raises(PermissionDenied):
        jobs.import_start(actor=alice, job=job)
    assert not Product.objects.exists()


def test_a_products_import_fails_when_the_importer_lost_the_right(diana):
    job = jobs.import_start(actor=diana, job=products_job(diana, [product_row("SKU-1")]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    diana.role = "sales_rep"
    diana.save(update_fields=["role"])

    job = jobs.import_run(job.pk)

    assert job.status == ImportStatus.FAILED
    assert job.error == "Only administrators and sales managers can import products."
    assert not Product.objects.exists()


def test_the_api_takes_leads_and_refuses_products_to_a_representative(alice, diana):
    leads = client_for(alice).client.post(
        "/api/v1/imports",
        {
            "file": SimpleUploadedFile("l.csv", csv_bytes([LEAD_HEADER, lead_row(1)])),
            "target": "leads",
        },
    )
    refused = client_for(alice).client.post(
        "/api/v1/imports",
        {
            "file": SimpleUploadedFile("p.csv", csv_bytes([PRODUCT_HEADER, product_row("S")])),
            "target": "products",
        },
    )
    allowed = client_for(diana).client.post(
        "/api/v1/imports",
        {
            "file": SimpleUploadedFile("p.csv", csv_bytes([PRODUCT_HEADER, product_row("S")])),
            "target": "products",
        },
    )

    assert leads.status_code == 201, leads.content
    assert leads.json()["mapping"]["姓名"] == "full_name"
    assert refused.status_code == 422
    assert refused.json()["details"]["target"] == [
        "Only administrators and sales managers can import products."
    ]
    assert allowed.status_code == 201
    columns = client_for(diana).client.get(f"/api/v1/imports/{allowed.json()['id']}/columns")
    assert [c["value"] for c in columns.json()["match_on"]] == ["sku"]
    mapping = client_for(diana).client.put(
        f"/api/v1/imports/{allowed.json()['id']}/mapping",
        {"mapping": PRODUCT_MAPPING, "mode": "upsert"},
        content_type="application/json",
    )
    assert mapping.status_code == 200, mapping.content
    assert mapping.json()["match_on"] == "sku"


def test_the_upload_page_offers_leads_and_products_and_explains_a_refusal(client, alice):
    client.force_login(alice)

    page = client.get(reverse("dataio:import_new"))
    response = client.post(
        reverse("dataio:import_new"),
        {
            "file": SimpleUploadedFile("p.csv", csv_bytes([PRODUCT_HEADER, product_row("S")])),
            "target": "products",
        },
    )

    assert 'value="leads"' in page.content.decode()
    assert 'value="products"' in page.content.decode()
    assert response.status_code == 400
    assert (
        "Only administrators and sales managers can import products." in response.content.decode()
    )
    assert not ImportJob.objects.exists()


# --- Queries per batch ---------------------------------------------------------------------------


def _queries_of_one_batch(actor, job, *, created: int, updated: int) -> int:
    """Statements sent while the job runs (a debug cursor cannot be used: the writer's raw
    SQLite statements use "?" placeholders, which Django's query log cannot format)."""
    job = jobs.import_start(actor=actor, job=job)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        job = jobs.import_run(job.pk, batch_size=1000)
    assert (job.status, job.created_count, job.updated_count) == (
        ImportStatus.DONE,
        created,
        updated,
    )
    return len(statements)


def test_lead_batches_take_the_same_queries_whatever_their_size(alice, admin_user):
    lead_services.lead_scoring_rule_create(
        actor=admin_user,
        data={"label": "asked", "kind": "interactions_at_least", "value": "1", "points": 5},
    )
    for i in range(40):
        lead_services.lead_create(
            actor=alice, data={"full_name": f"老{i}", "email": f"l{i}@example.cn"}
        )

    def upsert(n, start):
        rows = [lead_row(i, 状态="contacted", 编号=f"E{i}") for i in range(start, start + n)]
        return leads_job(alice, rows, mode="upsert")

    # Half of each file updates existing leads, half creates new ones.
    small = _queries_of_one_batch(alice, upsert(4, 38), created=2, updated=2)
    large = _queries_of_one_batch(alice, upsert(40, 20), created=18, updated=22)

    assert small == large


def test_product_batches_take_the_same_queries_whatever_their_size(diana):
    for i in range(40):
        product_create(actor=diana, data={"sku": f"S{i}", "name": "旧", "unit_price": "1"})

    def upsert(n, start):
        rows = [product_row(f"S{i}", "新", "2.50") for i in range(start, start + n)]
        return products_job(diana, rows, mode="upsert")

    small = _queries_of_one_batch(diana, upsert(4, 38), created=2, updated=2)
    large = _queries_of_one_batch(diana, upsert(40, 20), created=18, updated=22)

    assert small == large


def test_an_open_lead_is_updated_rather_than_a_converted_one_with_the_same_email(alice):
    converted = lead_services.lead_create(
        actor=alice, data={"full_name": "已转化", "email": "l1@example.cn"}
    )
    lead_services.lead_convert(actor=alice, lead=converted, create_deal=False)
    open_lead = lead_services.lead_create(
        actor=alice, data={"full_name": "又来了", "email": "l1@example.cn"}
    )

    job = run(leads_job(alice, [lead_row(1, 姓名="改名")], mode="update"))

    open_lead.refresh_from_db()
    assert (job.updated_count, job.rejected_count) == (1, 0)
    assert open_lead.full_name == "改名"


def test_a_manager_maps_and_dry_runs_products_in_the_pages(
    client, diana, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    client.force_login(diana)
    uploaded = client.post(
        reverse("dataio:import_new"),
        {
            "file": SimpleUploadedFile("p.csv", csv_bytes([PRODUCT_HEADER, product_row("S-1")])),
            "target": "products",
        },
    )
    job = ImportJob.objects.get()
    assert uploaded.status_code == 302
    page = client.get(reverse("dataio:import_mapping", args=[job.pk]))
    assert page.status_code == 200
    assert 'value="sku"' in page.content.decode()
    data = {f"map_{i}": PRODUCT_MAPPING.get(c, "") for i, c in enumerate(job.columns)}
    data.update(owner="", tags="", source="", mode="upsert", match_on="sku", save_as="")

    previous, HUEY.immediate = HUEY.immediate, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("dataio:import_mapping", args=[job.pk]), data)
    finally:
        HUEY.immediate = previous

    job.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert job.status == ImportStatus.DRY_RUN_DONE
    assert job.dry_run["created"] == 1
    assert not Product.objects.exists()


def test_lead_and_product_mappings_need_their_identifying_columns(alice, diana):
    leads = upload(alice, [LEAD_HEADER, lead_row(1)], target="leads")
    products = upload(diana, [PRODUCT_HEADER, product_row("S")], target="products")

    with pytest.raises(ValidationFailed) as no_name:
        jobs.import_set_mapping(actor=alice, job=leads, mapping={"邮箱": "email"})
    with pytest.raises(ValidationFailed) as no_price:
        jobs.import_set_mapping(
            actor=diana, job=products, mapping={"货号": "sku", "名称": "name"}, match_on="sku"
        )

    assert no_name.value.details["mapping"] == [
        "Map a column to the name (full name, given or family name)."
    ]
    assert no_price.value.details["mapping"] == ["Map a column to “unit price”."]


def test_the_import_command_takes_products_matched_on_sku(diana, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes([PRODUCT_HEADER, product_row("S-1", price="8.80")]))

    call_command(
        "import_file", str(path), "--target", "products", "--user", "diana", "--mode", "upsert",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip

    assert ImportJob.objects.get().match_on == "sku"
    assert Product.objects.get(sku="S-1").unit_price == Decimal("8.80")


def test_leads_given_to_a_colleague_record_the_assignment(alice, bob):
    job = run(leads_job(alice, [lead_row(1), lead_row(2)], defaults={"owner": "bob"}))

    assert job.created_count == 2
    for lead in Lead.objects.all():
        assert (lead.owner, lead.team_id) == (bob, bob.team_id)
        assigned = lead.events.get(kind=LeadEventKind.ASSIGNED)
        assert (assigned.actor, assigned.data) == (
            alice,
            {"owner": str(bob), "owner_id": bob.pk, "rule": ""},
        )


def test_undo_leaves_a_lead_converted_since_the_import_as_it_is(
    alice, django_capture_on_commit_callbacks
):
    lead = lead_services.lead_create(
        actor=alice, data={"full_name": "老线索", "email": "l1@example.cn"}
    )
    job = run(leads_job(alice, [lead_row(1, 姓名="新名字"), lead_row(2)], mode="upsert"))
    created = Lead.objects.get(email="l2@example.cn")
    lead_services.lead_convert(actor=alice, lead=lead, create_deal=False)
    lead_services.lead_convert(actor=alice, lead=created, create_deal=False)

    job = undo_now(alice, job, django_capture_on_commit_callbacks)

    lead.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert (lead.full_name, lead.status) == ("新名字", LeadStatus.CONVERTED)
    assert Lead.objects.filter(pk=created.pk, status=LeadStatus.CONVERTED).exists()
    assert job.undo_report == {
        "counts": {"converted": 2},
        "kept": [
            {"kind": "lead", "id": lead.pk, "name": "新名字", "reason": "converted"},
            {"kind": "lead", "id": created.pk, "name": str(created), "reason": "converted"},
        ],
    }


# --- Assignment by the rules ---------------------------------------------------------------------


def test_leads_without_an_owner_are_given_out_by_the_assignment_rules_when_asked(
    alice, bob, admin_user, east, django_capture_on_commit_callbacks
):
    from rapport.accounts.services import team_create
    from rapport.activities.models import Task

    south = team_create(name="South")  # nobody in it to give a lead to
    referrals = lead_services.lead_assignment_rule_create(
        actor=admin_user,
        data={"name": "referrals", "team_id": east.pk, "source": "referral", "position": 1},
    )
    lead_services.lead_assignment_rule_create(
        actor=admin_user,
        data={"name": "web", "team_id": south.pk, "source": "web", "position": 2},
    )
    header = [*LEAD_HEADER, "负责人"]
    rows = [
        [*lead_row(1, 来源="转介绍"), ""],
        [*lead_row(2, 来源="转介绍"), ""],
        [*lead_row(3, 来源="转介绍"), "bob"],  # the file names the owner: the rules do not apply
        [*lead_row(4, 来源="转介绍"), ""],
        [*lead_row(5, 来源="网站"), ""],  # a rule matches, but its team has no sellers
        [*lead_row(6), ""],  # no rule matches
    ]
    job = mapped(
        alice,
        [header, *rows],
        {**LEAD_MAPPING, "负责人": "owner"},
        name="leads.csv",
        target="leads",
        defaults={"assign_by_rules": True},
    )

    job = run(job)

    assert job.defaults == {"assign_by_rules": True}
    assert job.created_count == 6
    leads = {lead.email: lead for lead in Lead.objects.all()}
    owners = [leads[f"l{i}@example.cn"].owner for i in range(1, 7)]
    assert owners == [alice, bob, bob, alice, None, None]  # round robin goes on across rows
    assert leads["l5@example.cn"].team == south
    assert leads["l6@example.cn"].team == east  # the importer's team queue
    assigned = leads["l2@example.cn"].events.get(kind=LeadEventKind.ASSIGNED)
    assert (assigned.actor, assigned.data) == (
        alice,
        {"owner": str(bob), "owner_id": bob.pk, "rule": "referrals"},
    )
    by_file = leads["l3@example.cn"].events.get(kind=LeadEventKind.ASSIGNED)
    assert by_file.data["rule"] == ""
    referrals.refresh_from_db()
    assert referrals.last_assigned == alice
    # Leads the rules gave out have their follow-up task; the others have none.
    tasks = {t.subject_id: t.assignee for t in Task.objects.all()}
    assert tasks == {
        leads["l1@example.cn"].pk: alice,
        leads["l2@example.cn"].pk: bob,
        leads["l4@example.cn"].pk: alice,
    }

    job = undo_now(alice, job, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.UNDONE
    assert not Lead.objects.exists()
    assert not Task.objects.exists()


def test_an_import_assigns_like_leads_entered_one_by_one(alice, bob, admin_user, east):
    lead_services.lead_assignment_rule_create(
        actor=admin_user, data={"name": "all", "team_id": east.pk, "method": "least_loaded"}
    )
    for i in range(3):
        lead_services.lead_create(
            actor=admin_user, data={"full_name": f"旧{i}", "owner_id": alice.pk}
        )

    job = run(leads_job(alice, [lead_row(i) for i in range(5)], defaults={"assign_by_rules": True}))

    # Open leads before: alice 3, bob 0; least loaded evens them out, ties to the first.
    imported = Lead.objects.filter(email__endswith="@example.cn").order_by("pk")
    assert job.created_count == 5
    assert [lead.owner for lead in imported] == [bob, bob, bob, alice, bob]


def test_assignment_by_the_rules_is_for_leads_and_not_with_a_default_owner(alice):
    leads = upload(alice, [LEAD_HEADER, lead_row(1)], target="leads")
    persons = upload(alice, [["姓名", "邮箱"], ["张三", "z@example.cn"]])

    with pytest.raises(ValidationFailed) as both:
        jobs.import_set_mapping(
            actor=alice,
            job=leads,
            mapping=LEAD_MAPPING,
            defaults={"owner": "alice", "assign_by_rules": True},
        )
    with pytest.raises(ValidationFailed) as not_leads:
        jobs.import_set_mapping(
            actor=alice,
            job=persons,
            mapping={"姓名": "full_name", "邮箱": "email"},
            defaults={"assign_by_rules": True},
        )

    assert both.value.details["defaults.owner"] == [
        "Choose an owner or assignment by the rules, not both."
    ]
    assert not_leads.value.details["defaults.assign_by_rules"] == [
        "Only leads are given out by the rules."
    ]


def test_the_mapping_page_offers_assignment_by_the_rules_for_leads(client, alice):
    from rapport.dataio.views.imports import BY_RULES, MappingForm

    leads = upload(alice, [LEAD_HEADER, lead_row(1)], target="leads")
    persons = upload(alice, [["姓名", "邮箱"], ["张三", "z@example.cn"]])
    client.force_login(alice)

    page = client.get(reverse("dataio:import_mapping", args=[leads.pk])).content.decode()
    persons_page = client.get(reverse("dataio:import_mapping", args=[persons.pk]))
    data = {f"map_{i}": LEAD_MAPPING.get(c, "") for i, c in enumerate(leads.columns)}
    data.update(owner=BY_RULES, source="", mode="create", match_on="email", save_as="")
    data.update(start_rules="on")
    response = client.post(reverse("dataio:import_mapping", args=[leads.pk]), data)
    leads.refresh_from_db()

    assert "by the assignment rules" in page
    assert "by the assignment rules" not in persons_page.content.decode()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert leads.defaults == {"assign_by_rules": True}
    assert MappingForm.initial_for(leads)["owner"] == BY_RULES  # shown again as chosen
