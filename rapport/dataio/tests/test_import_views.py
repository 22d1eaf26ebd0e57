"""The import pages: upload, mapping, dry run, start, progress, rejected rows, undo, the list."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.customers.models import Person
from rapport.customers.services import custom_field_create
from rapport.dataio.models import ImportJob, ImportMapping, ImportStatus
from rapport.dataio.services.imports import jobs
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    csv_bytes,
    import_dir,
    mapped,
    run,
    upload,
)

HEADER = ["姓名", "手机", "邮箱", "城市"]
GOOD = [
    ["张伟", "13800138000", "zw@example.cn", "深圳"],
    ["李娜", "13900139000", "ln@example.cn", "上海"],
]
# Rejected: with its phone and e-mail left out, nothing tells who it is.
BAD = [["", "12345", "not-an-email", "北京"]]
MAPPING = {"姓名": "full_name", "手机": "phone", "邮箱": "email", "城市": "city"}


@pytest.fixture(autouse=True)
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def mapping_post(job, mapping=None, **extra):
    """The mapping form's fields as the browser posts them."""
    mapping = MAPPING if mapping is None else mapping
    data = {f"map_{i}": mapping.get(column, "") for i, column in enumerate(job.columns)}
    data.update(owner="", tags="", source="", mode="create", match_on="email", save_as="")
    data.update(start_rules="on")  # ticked unless the user unticks it
    data.update(extra)
    return data


def post_upload(client, content: bytes, name="客户.csv", target="persons"):
    return client.post(
        reverse("dataio:import_new"),
        {"file": SimpleUploadedFile(name, content), "target": target},
    )


def rejected_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode(response.charset or "utf-8")
    return list(csv.reader(io.StringIO(body)))


# --- Upload --------------------------------------------------------------------------------------


def test_upload_of_a_gbk_file_leads_to_its_proposed_mapping(alice_client):
    response = post_upload(alice_client, csv_bytes([HEADER, *GOOD], encoding="gbk"))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dataio:import_mapping", args=[job.pk])
    page = alice_client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "深圳" in html  # a sample value
    form = page.context["form"]
    assert [form[f"map_{i}"].value() for i in range(4)] == [
        "full_name",
        "phone",
        "email",
        "city",
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"%PDF-1.4\x00\x01\x02binary", "scan.pdf", "This file is not a table"),
    ],
)
def test_upload_of_an_empty_or_binary_file_is_a_field_error(alice_client, content, name, message):
    response = post_upload(alice_client, content, name=name)

    assert response.status_code == 400
    assert message in str(response.context["form"].errors["file"])
    assert 'data-testid="error-file"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_over_the_size_limit_is_a_field_error(alice_client, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 30

    response = post_upload(alice_client, csv_bytes([HEADER, *GOOD]))

    assert response.status_code == 400
    assert "larger than" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_upload_without_a_file_is_a_field_error(alice_client):
    response = alice_client.post(reverse("dataio:import_new"), {"target": "persons"})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_service_agent_may_not_import(client, east):
    agent = user_create(
        username="sam", password=PASSWORD, role=Role.SERVICE_AGENT, team=east, language="en"
    )
    client.force_login(agent)

    assert client.get(reverse("dataio:import_new")).status_code == 403
    assert client.get(reverse("dataio:imports")).status_code == 200


# --- Mapping and dry run -------------------------------------------------------------------------


def test_mapping_without_a_name_column_is_refused_and_nothing_is_saved(alice, alice_client):
    job = upload(alice, [HEADER, *GOOD])
    data = mapping_post(job, {"手机": "phone"}, save_as="我的映射")

    response = alice_client.post(reverse("dataio:import_mapping", args=[job.pk]), data)

    assert response.status_code == 400
    assert "Map a column to the name" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
    assert job.mapping == MAPPING
    assert not ImportMapping.objects.exists()


def test_field_errors_show_next_to_their_inputs(alice, alice_client, bob, charlie):
    job = upload(alice, [HEADER, *GOOD])
    data = mapping_post(
        job,
        {"姓名": "full_name", "手机": "full_name"},
        mode="upsert",
        match_on="phone",
        tags="x" * 60,
        save_as="y" * 101,
    )

    response = alice_client.post(reverse("dataio:import_mapping", args=[job.pk]), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert "already filled" in str(form.errors["map_1"])
    assert "map a column to “phone”" in str(form.errors["match_on"])
    assert "50 characters" in str(form.errors["tags"])
    assert form["save_as"].value() == "y" * 101
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_a_too_long_mapping_name_keeps_the_mapping_unsaved(alice, alice_client):
    job = upload(alice, [HEADER, *GOOD])

    response = alice_client.post(
        reverse("dataio:import_mapping", args=[job.pk]),
        mapping_post(job, {"姓名": "full_name"}, save_as="y" * 101),
    )

    assert response.status_code == 400
    assert "100 characters" in str(response.context["form"].errors["save_as"])
    assert 'data-testid="error-save_as"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
    assert job.mapping == MAPPING
    assert not ImportMapping.objects.exists()


def test_owner_outside_the_team_is_not_offered_nor_accepted(alice, alice_client, bob, charlie):
    job = upload(alice, [HEADER, *GOOD])

    page = alice_client.get(reverse("dataio:import_mapping", args=[job.pk]))
    response = alice_client.post(
        reverse("dataio:import_mapping", args=[job.pk]), mapping_post(job, owner="charlie")
    )

    offered = [value for value, _label in page.context["form"].fields["owner"].choices]
    assert "bob" in offered
    assert "charlie" not in offered
    assert response.status_code == 400
    assert response.context["form"].errors["owner"]
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_saving_the_mapping_runs_the_dry_run_and_shows_rejected_rows(
    alice, alice_client, django_capture_on_commit_callbacks
):
    job = upload(alice, [HEADER, *GOOD, *BAD])

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("dataio:import_mapping", args=[job.pk]),
            mapping_post(job, tags="展会, 2026", save_as="展会名单"),
        )

    assert response.status_code == 302
    assert response.url == reverse("dataio:import_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DRY_RUN_DONE
    assert job.defaults["tags"] == ["展会", "2026"]
    assert ImportMapping.objects.get().name == "展会名单"
    assert not Person.objects.exists()
    page = alice_client.get(response.url)
    html = page.content.decode()
    assert 'data-testid="dry-run-created">2<' in html
    assert 'data-testid="dry-run-rejected">1<' in html
    rows = page.context["dry_run_rejected"]
    assert [r["row"] for r in rows] == [4]
    assert ("手机", "12345") in rows[0]["cells"]
    assert rows[0]["reasons"]
    assert 'data-testid="import-start"' in html


def test_a_column_can_fill_a_custom_field(
    alice, admin_user, alice_client, django_capture_on_commit_callbacks
):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "微信", "field_type": "text"},
    )
    job = upload(alice, [[*HEADER, "微信号"], [*GOOD[0], "zw_wechat"]])
    page = alice_client.get(reverse("dataio:import_mapping", args=[job.pk]))
    groups = dict(page.context["form"].fields["map_4"].choices[1:])
    assert ("custom:wechat", "微信") in groups["Custom fields"]
    assert '<optgroup label="Custom fields">' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("dataio:import_mapping", args=[job.pk]),
            mapping_post(job, {**MAPPING, "微信号": "custom:wechat"}),
        )
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))

    assert Person.objects.get().custom == {"wechat": "zw_wechat"}


def test_a_saved_mapping_is_applied_to_the_next_file(alice, alice_client):
    jobs.import_mapping_save(
        actor=alice,
        name="展会名单",
        target="persons",
        mapping={"姓名": "full_name", "邮箱": "email", "公司": "company"},
        defaults={"tags": ["展会"]},
        mode="upsert",
        match_on="email",
    )
    saved = ImportMapping.objects.get()
    job = upload(alice, [HEADER, *GOOD])

    response = alice_client.post(
        reverse("dataio:import_mapping_apply", args=[job.pk]), {"saved": saved.pk}
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {"姓名": "full_name", "邮箱": "email"}
    assert job.mode == "upsert"
    assert job.defaults == {"tags": ["展会"]}
    page = alice_client.get(response.url)
    assert page.context["form"]["map_1"].value() == ""
    assert page.context["form"]["tags"].value() == "展会"


def test_another_users_saved_mapping_is_not_found(alice, alice_client, charlie):
    theirs = jobs.import_mapping_save(
        actor=charlie,
        name="theirs",
        target="persons",
        mapping=MAPPING,
        defaults={},
        mode="create",
        match_on="email",
    )
    job = upload(alice, [HEADER, *GOOD])

    response = alice_client.post(
        reverse("dataio:import_mapping_apply", args=[job.pk]), {"saved": theirs.pk}
    )

    assert response.status_code == 404


# --- Start, progress, rejected rows, undo --------------------------------------------------------


def test_a_started_import_is_polled_until_it_is_done(
    alice, alice_client, django_capture_on_commit_callbacks
):
    job = mapped(alice, [HEADER, *GOOD, *BAD], MAPPING)
    url = reverse("dataio:import_status", args=[job.pk])

    # Queued, not yet run: the status section asks to be polled every second.
    with django_capture_on_commit_callbacks(execute=False):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))
    queued = alice_client.get(url).content.decode()
    jobs.import_run(job.pk)
    done = alice_client.get(url).content.decode()

    assert 'hx-trigger="every 1s"' in queued
    assert 'data-testid="import-progress"' in queued
    assert 'hx-trigger="every 1s"' not in done
    assert 'data-testid="import-created">2<' in done
    assert 'data-testid="import-rejected">1<' in done
    assert 'data-testid="import-download-rejected"' in done
    assert 'data-testid="import-undo"' in done


def test_progress_shows_rows_rate_and_time_left(alice, alice_client):
    job = mapped(alice, [HEADER, *GOOD], MAPPING)
    jobs.import_start(actor=alice, job=job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING,
        rows_total=1000,
        rows_done=250,
        run_rows_start=0,
        run_started_at=timezone.now() - datetime.timedelta(seconds=10),
    )

    response = alice_client.get(reverse("dataio:import_status", args=[job.pk]))

    html = response.content.decode()
    assert response.context["progress"].percent == 25
    assert 'data-testid="import-rows-done">250<' in html
    assert 'data-testid="import-rows-total">1000<' in html
    assert "rows/s" in html
    assert response.context["time_left"].endswith("s")


def test_rejected_rows_download_in_the_files_encoding(
    alice, alice_client, django_capture_on_commit_callbacks
):
    job = mapped(alice, [HEADER, *GOOD, *BAD], MAPPING, encoding="gbk")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))

    response = alice_client.get(reverse("dataio:import_rejected", args=[job.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("gb18030"))))
    assert rows[0] == [*HEADER, "Row", "Reasons"]
    assert rows[1][:4] == BAD[0]
    assert rows[1][4] == "4"
    assert Person.objects.count() == 2


def test_download_without_rejected_rows_is_not_found(
    alice, alice_client, django_capture_on_commit_callbacks
):
    job = mapped(alice, [HEADER, *GOOD], MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))

    response = alice_client.get(reverse("dataio:import_rejected", args=[job.pk]))

    assert response.status_code == 404


def test_undo_removes_the_imported_records(alice, alice_client, django_capture_on_commit_callbacks):
    job = mapped(alice, [HEADER, *GOOD], MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))
    assert Person.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("dataio:import_undo", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert not Person.objects.exists()
    page = alice_client.get(reverse("dataio:import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-undo"' not in page


def test_starting_twice_shows_the_conflict_instead_of_failing(
    alice, alice_client, django_capture_on_commit_callbacks
):
    job = mapped(alice, [HEADER, *GOOD], MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("dataio:import_start", args=[job.pk]))

    response = alice_client.post(reverse("dataio:import_start", args=[job.pk]), follow=True)

    assert response.status_code == 200
    assert "Map the file" in response.content.decode()
    assert Person.objects.count() == 2


def test_mapping_page_of_a_started_import_goes_to_its_page(alice, alice_client):
    job = mapped(alice, [HEADER, *GOOD], MAPPING)
    jobs.import_start(actor=alice, job=job)

    response = alice_client.post(
        reverse("dataio:import_mapping", args=[job.pk]), mapping_post(job, mode="upsert")
    )

    assert response.status_code == 302
    assert response.url == reverse("dataio:import_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.mode == "create"


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("import_detail", "get"),
        ("import_mapping", "get"),
        ("import_mapping", "post"),
        ("import_mapping_apply", "post"),
        ("import_status", "get"),
        ("import_dry_run", "post"),
        ("import_start", "post"),
        ("import_undo", "post"),
        ("import_rejected", "get"),
    ],
)
def test_another_teams_import_is_not_found(alice, charlie, client, name, method):
    job = mapped(alice, [HEADER, *GOOD, *BAD], MAPPING)
    client.force_login(charlie)

    response = getattr(client, method)(reverse(f"dataio:{name}", args=[job.pk]))

    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPED


def test_list_shows_the_users_own_imports_in_constant_queries(
    alice, charlie, alice_client, django_assert_max_num_queries
):
    for n in range(3):
        upload(alice, [HEADER, *GOOD], name=f"alice-{n}.csv")
    upload(charlie, [HEADER, *GOOD], name="charlie.csv")
    alice_client.get(reverse("dataio:imports"))  # warm caches (session, user)
    with django_assert_max_num_queries(6) as few:
        alice_client.get(reverse("dataio:imports"))
    for n in range(3, 8):
        upload(alice, [HEADER, *GOOD], name=f"alice-{n}.csv")

    with django_assert_max_num_queries(len(few)):
        response = alice_client.get(reverse("dataio:imports"))

    html = response.content.decode()
    assert html.count('data-testid="import-row"') == 8
    assert "alice-7.csv" in html
    assert "charlie.csv" not in html


def test_administrator_sees_every_import_and_who_made_it(alice, charlie, admin_user, client):
    upload(alice, [HEADER, *GOOD], name="alice.csv")
    upload(charlie, [HEADER, *GOOD], name="charlie.csv")
    client.force_login(admin_user)

    response = client.get(reverse("dataio:imports"))

    html = response.content.decode()
    assert "alice.csv" in html and "charlie.csv" in html
    assert response.context["show_user"] is True


@pytest.mark.django_db
def test_mapping_page_offers_only_the_defaults_the_records_have(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    products = upload(
        admin_user, [["SKU", "名称", "单价"], ["A-1", "茶叶", "88.50"]], target="products"
    )
    leads = upload(admin_user, [["姓名", "手机"], ["王芳", "13912345678"]], target="leads")

    products_page = client.get(reverse("dataio:import_mapping", args=[products.pk])).content
    leads_page = client.get(reverse("dataio:import_mapping", args=[leads.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dataio:import_mapping", args=[products.pk]),
            {
                "map_0": "sku",
                "map_1": "name",
                "map_2": "unit_price",
                "mode": "create",
                "match_on": "sku",
                "save_as": "",
            },
        )

    assert b"Defaults for empty values" not in products_page
    assert 'data-testid="field-owner"' in leads_page
    assert 'data-testid="field-source"' in leads_page
    assert 'data-testid="field-tags"' not in leads_page
    assert response.status_code == 302
    products.refresh_from_db()
    assert products.status == ImportStatus.DRY_RUN_DONE
    assert products.dry_run["created"] == 1
