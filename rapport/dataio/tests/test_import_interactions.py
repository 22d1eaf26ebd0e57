"""Imports of interactions: logged against existing customers found by phone or e-mail, with
their timeline entries; rejected rows, create-only mode, dry run, undo, resume, and a constant
number of queries per batch."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.db import connection
from django.urls import reverse

from rapport.activities.models import Interaction, TimelineEntry
from rapport.activities.services import interaction_create
from rapport.api.tests.conftest import client_for
from rapport.core.errors import ValidationFailed
from rapport.customers.services import company_create, person_create
from rapport.dataio.models import ImportRecord, ImportStatus
from rapport.dataio.services.imports import jobs, undo
from rapport.dataio.services.imports.mapping import propose_mapping
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    import_dir,
    mapped,
    run,
    run_killed_in_batch,
    upload,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HEADER = ["时间", "渠道", "方向", "主题", "内容", "结果", "手机", "邮箱", "公司", "记录人"]
MAPPING = {
    "时间": "occurred_at",
    "渠道": "channel",
    "方向": "direction",
    "主题": "subject",
    "内容": "content",
    "结果": "outcome",
    "手机": "phone",
    "邮箱": "email",
    "公司": "company",
    "记录人": "logged_by",
}


def row(**values):
    data = {
        "时间": "2024-03-05 14:30",
        "渠道": "电话",
        "方向": "",
        "主题": "报价跟进",
        "内容": "",
        "结果": "",
        "手机": "13800138000",
        "邮箱": "",
        "公司": "",
        "记录人": "",
        **values,
    }
    return [data[c] for c in HEADER]


def interactions_job(actor, rows, **kwargs):
    return mapped(
        actor, [HEADER, *rows], MAPPING, name="calls.csv", target="interactions", **kwargs
    )


def rejected(job) -> list[str]:
    """The reasons of each rejected row, in the order of the file."""
    text = b"".join(jobs.rejected_rows_download(job).chunks).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return [reasons for *_values, _number, reasons in sorted(rows, key=lambda r: int(r[-2]))]


def customer(actor, name, *, phone="", email="", company=None):
    data = {"full_name": name}
    if phone:
        data["phones"] = [{"number": phone}]
    if email:
        data["emails"] = [{"email": email}]
    if company is not None:
        data["employments"] = [{"company_id": company.pk, "is_primary": True}]
    return person_create(actor=actor, data=data)


@pytest.fixture
def zhang(alice):
    huawei = company_create(actor=alice, data={"name": "华为"})
    return customer(alice, "张伟", phone="13800138000", email="zw@example.cn", company=huawei)


# --- What is written -----------------------------------------------------------------------------


def test_imported_interactions_are_written_as_interaction_create_writes_them(alice, zhang):
    job = interactions_job(
        alice,
        [
            row(方向="呼入", 内容="客户问价格", 结果="约下周见面", 手机="138 0013 8000"),
            row(时间="5 Mar 2024 4:15 PM", 渠道="Meeting", 方向="Outbound", 手机="",
                邮箱="ZW@example.cn", 主题="Demo"),
        ],
    )  # fmt: skip

    job = run(job)
    # The same call logged by hand afterwards (before, the import would skip it as logged).
    by_hand = interaction_create(
        actor=alice,
        person=zhang,
        data={
            "channel": "call",
            "direction": "inbound",
            "occurred_at": "2024-03-05T14:30:00+08:00",
            "subject": "报价跟进",
            "content": "客户问价格",
            "outcome": "约下周见面",
        },
    )

    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 2, 0)
    call, meeting = Interaction.objects.exclude(pk=by_hand.pk).order_by("pk")
    fields = ("person_id", "company_id", "channel", "direction", "occurred_at", "subject",
              "content", "outcome", "logged_by_id")  # fmt: skip
    assert [getattr(call, f) for f in fields] == [getattr(by_hand, f) for f in fields]
    assert call.occurred_at == datetime.datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)
    assert call.company.name == "华为"  # the person's primary company, as by hand
    assert (meeting.channel, meeting.direction, meeting.subject) == ("meeting", "outbound", "Demo")
    assert meeting.occurred_at == datetime.datetime(2024, 3, 5, 16, 15, tzinfo=SHANGHAI)
    entry_fields = ("person_id", "company_id", "kind", "occurred_at", "title", "body", "actor_id",
                    "data")  # fmt: skip
    expected = TimelineEntry.objects.values_list(*entry_fields).get(
        source_type="interaction", source_id=by_hand.pk
    )
    written = TimelineEntry.objects.values_list(*entry_fields).get(
        source_type="interaction", source_id=call.pk
    )
    assert written == expected
    assert TimelineEntry.objects.get(source_id=meeting.pk).kind == "interaction.meeting"
    assert set(ImportRecord.objects.values_list("kind", "action", "object_id")) == {
        ("interaction", "created", call.pk),
        ("interaction", "created", meeting.pk),
    }


def test_the_company_column_picks_the_customer_among_persons_sharing_a_phone(alice):
    huawei = company_create(actor=alice, data={"name": "华为"})
    zte = company_create(actor=alice, data={"name": "中兴"})
    customer(alice, "张伟", phone="13800138000", company=huawei)
    at_zte = customer(alice, "张伟", phone="13800138000", company=zte)

    job = run(interactions_job(alice, [row(公司="中兴"), row(), row(公司="小米")]))

    assert (job.created_count, job.rejected_count) == (1, 2)
    interaction = Interaction.objects.get()
    assert (interaction.person, interaction.company) == (at_zte, zte)
    reasons = "\n".join(rejected(job))
    assert "Several customers you can see have this phone number or e-mail" in reasons
    assert "works at “小米”" in reasons


def test_a_colleague_named_in_the_file_logs_the_interaction(alice, bob, charlie, zhang):
    job = run(interactions_job(alice, [row(记录人="bob"), row(记录人="charlie"), row()]))

    assert (job.created_count, job.rejected_count) == (2, 1)
    assert sorted(Interaction.objects.values_list("logged_by__username", flat=True)) == [
        "alice",
        "bob",
    ]
    assert "You can only give records to members of your team." in rejected(job)[0]


# --- Rejected rows -------------------------------------------------------------------------------


def test_rows_without_a_visible_customer_or_with_bad_values_are_rejected(alice, charlie, zhang):
    customer(charlie, "西区客户", phone="13900139000", email="west@example.cn")
    job = interactions_job(
        alice,
        [
            row(),
            row(手机="13700137000"),
            row(手机="13900139000"),
            row(手机="", 邮箱="west@example.cn"),
            row(渠道="飞鸽传书"),
            row(时间="昨天下午"),
            row(时间="2024-02-30 10:00"),
            row(手机=""),
            row(主题=""),
        ],
    )

    job = run(job)

    assert (job.created_count, job.rejected_count) == (1, 8)
    lines = rejected(job)
    not_found = "No customer you can see has this phone number or e-mail."
    # Another team's customer is answered as if it did not exist.
    assert [not_found in line for line in lines[:3]] == [True, True, True]
    assert "渠道: “飞鸽传书” is not a valid choice." in lines[3]
    assert "时间: “昨天下午” is not a date and time (use YYYY-MM-DD HH:MM)." in lines[4]
    assert "时间: “2024-02-30 10:00” is not a date and time" in lines[5]
    assert "Give the customer's phone number or e-mail." in lines[6]
    assert "subject: This field is required." in lines[7]
    assert Interaction.objects.get().person == zhang
    assert not Interaction.objects.filter(person__full_name="西区客户").exists()


def test_interactions_are_only_created_and_need_the_customers_contact(alice, zhang):
    job = upload(alice, [HEADER, row()], target="interactions")

    with pytest.raises(ValidationFailed) as upsert:
        jobs.import_set_mapping(actor=alice, job=job, mapping=MAPPING, mode="upsert")
    with pytest.raises(ValidationFailed) as no_contact:
        jobs.import_set_mapping(
            actor=alice,
            job=job,
            mapping={c: k for c, k in MAPPING.items() if k not in ("phone", "email")},
        )
    job = jobs.import_set_mapping(actor=alice, job=job, mapping=MAPPING, match_on="email")

    assert upsert.value.details["mode"] == [
        "Interactions are only ever created, never matched or updated: choose “create”."
    ]
    assert no_contact.value.details["mapping"] == [
        "Map a column to the customer's phone number or e-mail."
    ]
    assert (job.mode, job.match_on) == ("create", "contact")


def test_the_mapping_step_offers_only_create(client, alice):
    job = upload(alice, [HEADER, row()], target="interactions")
    client.force_login(alice)

    columns = client_for(alice).client.get(f"/api/v1/imports/{job.pk}/columns").json()
    page = client.get(reverse("dataio:import_mapping", args=[job.pk])).content.decode()

    assert [m["value"] for m in columns["modes"]] == ["create"]
    assert [m["value"] for m in columns["match_on"]] == ["contact"]
    assert 'value="create"' in page
    assert 'value="upsert"' not in page and 'value="update"' not in page


# --- Files ---------------------------------------------------------------------------------------


def test_common_chinese_and_english_headers_are_mapped_without_help(db):
    chinese = [
        "日期",
        "类型",
        "标题",
        "跟进内容",
        "结果",
        "手机",
        "邮箱",
        "公司",
        "跟进人",
        "客户名称",
    ]
    english = ["Date", "Channel", "Direction", "Subject", "Notes", "Outcome", "Mobile Phone",
               "E-mail", "Company", "Owner"]  # fmt: skip

    assert propose_mapping(chinese, "interactions") == {
        "日期": "occurred_at",
        "类型": "channel",
        "标题": "subject",
        "跟进内容": "content",
        "结果": "outcome",
        "手机": "phone",
        "邮箱": "email",
        "公司": "company",
        "跟进人": "logged_by",
    }
    assert propose_mapping(english, "interactions") == {
        "Date": "occurred_at",
        "Channel": "channel",
        "Direction": "direction",
        "Subject": "subject",
        "Notes": "content",
        "Outcome": "outcome",
        "Mobile Phone": "phone",
        "E-mail": "email",
        "Company": "company",
        "Owner": "logged_by",
    }
    # The same headers keep their meaning for persons.
    assert propose_mapping(["渠道", "备注", "Owner"], "persons") == {
        "渠道": "source",
        "备注": "notes",
        "Owner": "owner",
    }


def test_a_gbk_file_with_chinese_headers_is_mapped_and_imported(alice, zhang):
    rows = [
        ["时间", "渠道", "主题", "内容", "手机"],
        ["2024年3月5日 下午3点半", "微信", "发送资料", "产品手册", "13800138000"],
        ["2024/3/6", "拜访", "上门拜访", "", "13800138000"],
    ]
    job = upload(alice, rows, encoding="gbk", name="跟进记录.csv", target="interactions")

    assert job.encoding.lower() in ("gbk", "gb18030")
    assert job.mapping == {
        "时间": "occurred_at",
        "渠道": "channel",
        "主题": "subject",
        "内容": "content",
        "手机": "phone",
    }
    job = run(jobs.import_set_mapping(actor=alice, job=job, mapping=job.mapping))

    assert (job.created_count, job.rejected_count) == (2, 0)
    chat, visit = Interaction.objects.order_by("occurred_at")
    assert (chat.channel, chat.subject, chat.content) == ("chat", "发送资料", "产品手册")
    assert chat.occurred_at == datetime.datetime(2024, 3, 5, 15, 30, tzinfo=SHANGHAI)
    # A date without a time of day is noon, as in the forms.
    assert (visit.channel, visit.occurred_at) == (
        "visit",
        datetime.datetime(2024, 3, 6, 12, 0, tzinfo=SHANGHAI),
    )


# --- Nothing logged twice ------------------------------------------------------------------------


def test_a_file_imported_twice_logs_each_interaction_once(alice, zhang):
    rows = [row(), row(渠道="拜访", 主题="上门拜访"), row(时间="2024-03-06 09:00")]

    first = run(interactions_job(alice, rows))
    dry = run(interactions_job(alice, rows), dry_run=True)
    second = run(dry)

    assert (first.created_count, first.skipped_count) == (3, 0)
    assert (dry.dry_run["created"], dry.dry_run["skipped"]) == (0, 3)
    assert (second.created_count, second.skipped_count, second.rejected_count) == (0, 3, 0)
    assert Interaction.objects.count() == 3
    assert TimelineEntry.objects.filter(source_type="interaction").count() == 3


def test_a_row_given_twice_is_skipped_but_a_different_subject_or_time_is_not(alice, zhang):
    by_hand = interaction_create(
        actor=alice,
        person=zhang,
        data={"channel": "call", "occurred_at": "2024-03-05T14:30:00+08:00", "subject": "报价跟进"},
    )
    rows = [
        row(),  # what was logged by hand: the same channel, moment and subject
        row(主题="合同"),
        row(主题="合同"),  # the row before, given twice (the second in another batch)
        row(时间="2024-03-05 14:31", 主题="合同"),
        row(渠道="微信"),
    ]

    dry = run(interactions_job(alice, rows), dry_run=True, batch_size=2)
    job = run(dry, batch_size=2)

    assert (dry.dry_run["created"], dry.dry_run["skipped"]) == (3, 2)
    assert (job.created_count, job.skipped_count) == (3, 2)
    imported = Interaction.objects.exclude(pk=by_hand.pk)
    assert sorted(imported.values_list("channel", "subject")) == [
        ("call", "合同"),
        ("call", "合同"),
        ("chat", "报价跟进"),
    ]


# --- Dry run, undo, resume -----------------------------------------------------------------------


def test_dry_run_writes_nothing_and_predicts_the_run(alice, zhang):
    rows = [
        row(),
        row(手机="13700137000"),
        row(渠道="?"),
        row(邮箱="zw@example.cn", 手机="", 主题="寄样品"),
    ]

    dry = run(interactions_job(alice, rows), dry_run=True)

    assert not Interaction.objects.exists()
    assert not TimelineEntry.objects.filter(source_type="interaction").exists()
    assert {k: dry.dry_run[k] for k in ("created", "updated", "skipped", "rejected")} == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "rejected": 2,
    }
    assert [r["row"] for r in dry.dry_run["rejected_rows"]] == [3, 4]
    job = run(dry)
    assert (job.created_count, job.updated_count, job.rejected_count) == (2, 0, 2)


def test_undo_removes_the_interactions_and_their_timeline_entries(
    alice, zhang, django_capture_on_commit_callbacks
):
    kept = interaction_create(
        actor=alice, person=zhang, data={"channel": "note", "subject": "手工记录"}
    )
    job = run(interactions_job(alice, [row(), row(渠道="会议")]))
    assert TimelineEntry.objects.filter(source_type="interaction").count() == 3

    with django_capture_on_commit_callbacks(execute=False):
        undo.import_undo(actor=alice, job=job)
    job = undo.import_undo_run(job.pk)

    assert job.status == ImportStatus.UNDONE
    assert list(Interaction.objects.all()) == [kept]
    assert list(
        TimelineEntry.objects.filter(source_type="interaction").values_list("source_id", flat=True)
    ) == [kept.pk]
    assert TimelineEntry.objects.filter(person=zhang, kind="record.created").exists()
    assert not ImportRecord.objects.exists()


def test_an_interaction_import_killed_mid_batch_resumes_without_doubling(alice, zhang, monkeypatch):
    rows = [row(主题=f"第{i}次") for i in range(7)]
    job = jobs.import_start(actor=alice, job=interactions_job(alice, rows))
    run_killed_in_batch(job, monkeypatch, batch=2, batch_size=3)
    assert Interaction.objects.count() == 3

    job = jobs.import_run(job.pk, batch_size=3)

    assert (job.status, job.created_count) == (ImportStatus.DONE, 7)
    assert sorted(Interaction.objects.values_list("subject", flat=True)) == [
        f"第{i}次" for i in range(7)
    ]
    assert TimelineEntry.objects.filter(source_type="interaction").count() == 7
    assert ImportRecord.objects.filter(job=job, kind="interaction").count() == 7


# --- Queries per batch ---------------------------------------------------------------------------


def _queries_of_one_batch(actor, job, *, created: int, rejected: int) -> int:
    """Statements sent while the job runs (the writer's raw SQLite statements use "?"
    placeholders, which Django's query log cannot format, so they are counted here)."""
    job = jobs.import_start(actor=actor, job=job)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        job = jobs.import_run(job.pk, batch_size=1000)
    assert (job.status, job.created_count, job.rejected_count) == (
        ImportStatus.DONE,
        created,
        rejected,
    )
    return len(statements)


def test_interaction_batches_take_the_same_queries_whatever_their_size(alice, bob):
    huawei = company_create(actor=alice, data={"name": "华为"})
    for i in range(40):
        customer(alice, f"客户{i}", phone=f"138{i:08d}", email=f"c{i}@example.cn", company=huawei)

    def rows(n):
        # Every fourth row names no known customer; the others alternate phone and e-mail.
        return [
            row(手机=f"138{i:08d}", 记录人="bob", 公司="华为")
            if i % 2
            else row(手机="", 邮箱=f"c{i}@example.cn")
            if i % 4
            else row(手机=f"137{i:08d}")
            for i in range(n)
        ]

    small = _queries_of_one_batch(alice, interactions_job(alice, rows(4)), created=3, rejected=1)
    # The large file's first four rows are the small one's: their three interactions are skipped.
    large = _queries_of_one_batch(alice, interactions_job(alice, rows(40)), created=27, rejected=10)

    assert small == large
