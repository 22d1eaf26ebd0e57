"""Importing a Chinese GBK-encoded CSV in a real browser: upload, mapping, dry run, the live
progress bar, the rejected rows, at desktop and phone width."""

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.customers.models import Person
from rapport.dataio.models import ImportJob, ImportStatus
from rapport.dataio.services.imports import jobs
from rapport.dataio.tasks import imports as import_tasks
from tests.browser.conftest import VIEWPORT, log_in, path_of, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["姓名", "手机", "邮箱", "城市"]
GOOD = [
    ["张伟", "13800138000", "zhangwei@example.cn", "深圳"],
    ["李娜", "13900139000", "lina@example.cn", "上海"],
    ["王芳", "13700137000", "wangfang@example.cn", "北京"],
    ["刘洋", "13600136000", "liuyang@example.cn", "杭州"],
    ["陈静", "13500135000", "chenjing@example.cn", "成都"],
]
# Rows with nothing to identify a customer by, or a name longer than any name: rejected whole.
BAD = [
    ["", "", "", "广州"],
    ["孙" * 201, "13300133000", "sunli@example.cn", "南京"],
]
# Rows with one bad value: imported without that field, with a warning.
WARNED = [
    ["赵磊", "12345", "zhaolei@example.cn", "广州"],
    ["钱丽", "13300133001", "不是邮箱", "南京"],
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.RAPPORT_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def queued_imports(monkeypatch):
    """Dry runs run at once (in the request); an import's job is only queued, and the test then
    runs it as the worker would, in its own thread, while the page polls."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    queued: list[int] = []
    monkeypatch.setattr(import_tasks, "run_import", queued.append)
    yield queued
    HUEY.immediate = previous


def gbk_csv(tmp_path):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [HEADER, GOOD[0], BAD[0], *GOOD[1:3], BAD[1], *GOOD[3:], *WARNED]
    )
    path = tmp_path / "展会客户.csv"
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def fits_the_width(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_gbk_csv_is_mapped_dry_run_imported_with_live_progress(
    page, live_server, alice, tmp_path, queued_imports
):
    # Given alice on the new-import page with a GBK file of nine rows: five good, two with one bad
    # value each, two with no customer to import
    log_in(page, "alice")
    page.goto(reverse("dataio:imports"))
    page.get_by_test_id("import-new").click()

    # When she uploads it as persons
    page.get_by_test_id("field-file").set_input_files(gbk_csv(tmp_path))
    page.get_by_test_id("field-target").select_option("persons")
    page.get_by_test_id("import-upload").click()

    # Then the mapping step shows each column with sample values and the proposed field
    expect(page.get_by_test_id("import-mapping-form")).to_be_visible()
    expect(page.get_by_test_id("import-column-name")).to_have_text(HEADER)
    expect(page.get_by_test_id("import-column-samples").nth(0)).to_contain_text("张伟")
    expect(page.get_by_test_id("field-map_1")).to_have_value("phone")
    expect(page.get_by_test_id("field-map_3")).to_have_value("city")
    # …and is usable at phone width
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("field-map_3")).to_be_visible()
    assert fits_the_width(page)
    page.set_viewport_size(VIEWPORT)

    # When she files 城市 under the region instead and runs the dry run
    page.get_by_test_id("field-map_3").select_option("region")
    page.get_by_test_id("field-tags").fill("展会")
    page.get_by_test_id("import-dry-run").click()

    # Then the dry run counts seven to create (two of them without a field) and two rejected,
    # with their reasons; none saved
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "dry_run_done")
    expect(page.get_by_test_id("dry-run-created")).to_have_text("7")
    expect(page.get_by_test_id("dry-run-skipped")).to_have_text("0")
    expect(page.get_by_test_id("dry-run-rejected")).to_have_text("2")
    expect(page.get_by_test_id("dry-run-warned")).to_have_text("2")
    rejected = page.get_by_test_id("dry-run-rejected-row")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("广州")
    expect(rejected.nth(1)).to_contain_text("孙孙孙")
    warned = page.get_by_test_id("dry-run-warned-rows")
    expect(warned).to_contain_text("赵磊")
    expect(warned).to_contain_text("钱丽")
    assert not Person.objects.exists()

    # When she starts the import, it waits for a worker and the page polls
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("import-progress")).to_have_attribute("value", "0")
    job = ImportJob.objects.get()
    assert queued_imports == [job.pk]

    # …and as the worker writes each batch of two rows, the bar follows without a reload
    page.evaluate("() => { window.__sameDocument = true; }")
    seen: list[str] = []

    def after_each_batch(current):
        rows = str(current.rows_done)
        expect(page.get_by_test_id("import-rows-done")).to_have_text(rows)
        seen.append(page.get_by_test_id("import-progress").get_attribute("value"))

    jobs.import_run(job.pk, batch_size=2, progress=after_each_batch)

    # Then the bar went up batch by batch, and the final counts replace it
    assert seen == ["22", "44", "66", "88", "99"]
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("import-progress")).to_have_count(0)
    expect(page.get_by_test_id("import-created")).to_have_text("7")
    expect(page.get_by_test_id("import-rejected")).to_have_text("2")
    expect(page.get_by_test_id("import-warned")).to_have_text("2")
    assert page.evaluate("() => window.__sameDocument") is True
    assert path_of(page) == reverse("dataio:import_detail", args=[job.pk])
    person = Person.objects.get(full_name="张伟")
    assert person.region == "深圳"
    assert list(person.tags.values_list("name", flat=True)) == ["展会"]
    # …the row with a bad phone kept its e-mail, the one with a bad e-mail its phone
    zhao = Person.objects.get(full_name="赵磊")
    assert (zhao.primary_phone, zhao.primary_email) == ("", "zhaolei@example.cn")
    qian = Person.objects.get(full_name="钱丽")
    assert (qian.primary_phone, qian.primary_email) == ("+8613300133001", "")

    # …also readable at phone width
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("import-undo")).to_be_visible()
    assert fits_the_width(page)
    page.set_viewport_size(VIEWPORT)

    # When she downloads the rejected rows
    with page.expect_download() as info:
        page.get_by_test_id("import-download-rejected").click()
    download = info.value

    # Then they come back in GBK like her file, each with its row number and reason
    assert download.suggested_filename == "展会客户-rejected.csv"
    rows = list(csv.reader(io.StringIO(download.path().read_bytes().decode("gbk"))))
    assert rows[0] == [*HEADER, "Row", "Reasons"]
    assert [row[:4] for row in rows[1:]] == BAD
    assert [row[4] for row in rows[1:]] == ["3", "6"]  # the file's own line numbers
    assert all(row[5] for row in rows[1:])

    # When she downloads the rows imported with a field left out
    with page.expect_download() as info:
        page.get_by_test_id("import-download-warnings").click()

    # Then they come back the same way, each with what was left out
    rows = list(csv.reader(io.StringIO(info.value.path().read_bytes().decode("gbk"))))
    assert info.value.suggested_filename == "展会客户-warnings.csv"
    assert rows[0] == [*HEADER, "Row", "Warnings"]
    assert [row[:5] for row in rows[1:]] == [[*WARNED[0], "9"], [*WARNED[1], "10"]]
    assert "12345" in rows[1][5] and "不是邮箱" in rows[2][5]

    # …and the list shows the finished import with its counts
    page.get_by_test_id("import-back").click()
    row = page.get_by_test_id("import-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("import-row-status")).to_have_attribute("data-status", "done")
    expect(row).to_contain_text("展会客户.csv")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    wait_for_htmx_idle(page)
    assert ImportJob.objects.get().status == ImportStatus.DONE
