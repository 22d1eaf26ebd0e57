"""The imports API: upload, columns, mapping, saved mappings, dry run, start, progress, rejected
rows, undo; bad input answers 4xx `{code, message, details}`, another user's import 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from huey.contrib.djhuey import HUEY

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.api.tests.conftest import ApiClient, client_for
from rapport.customers.models import Person
from rapport.customers.services import custom_field_create, person_create
from rapport.dataio.models import ImportJob, ImportMapping, ImportStatus
from rapport.dataio.tests.test_import_jobs_helpers import (  # noqa: F401
    csv_bytes,
    import_dir,
    mapped,
    upload,
)

HEADER = ["姓名", "手机", "邮箱", "城市"]
MAPPING = {"姓名": "full_name", "手机": "phone", "邮箱": "email", "城市": "city"}
ROWS = [
    HEADER,
    ["张伟", "13800138000", "zw@example.cn", "深圳"],
    ["李娜", "13800138001", "not-an-email", "北京"],
    ["王芳", "13800138002", "wf@example.cn", "上海"],
]
# Row 3's bad e-mail leaves the e-mail out with a warning; row 4 tells nothing of who it is
# (no name, company, phone or e-mail) and is rejected.
PROBLEM_ROWS = [*ROWS, ["", "", "", "广州"]]


@pytest.fixture
def huey_immediate():
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture
def run_jobs(huey_immediate, django_capture_on_commit_callbacks):
    """Queued jobs run inline when the request's transaction commits."""

    def call(send, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send(*args, **kwargs)

    return call


def post_file(client, content: bytes, *, name="customers.csv", target="persons"):
    data = {"file": SimpleUploadedFile(name, content)}
    if target is not None:
        data["target"] = target
    return client.client.post("/api/v1/imports", data)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    return body


# --- Upload --------------------------------------------------------------------------------------


def test_upload_answers_the_job_with_columns_and_a_proposed_mapping(alice):
    response = post_file(client_for(alice), csv_bytes(ROWS, encoding="gbk"))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "uploaded"
    assert body["encoding"] == "gb18030"
    assert body["columns"] == HEADER
    assert body["mapping"] == MAPPING
    assert body["progress"]["rows_total"] == 3
    assert ImportJob.objects.get(pk=body["id"]).actor == alice


def test_upload_over_the_size_limit_is_413_and_stores_nothing(alice, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 30

    response = post_file(client_for(alice), csv_bytes(ROWS))

    body = assert_error(response, 413, "file_too_large")
    assert "file" in body["details"]
    assert not ImportJob.objects.exists()


def test_upload_whose_body_is_far_over_the_limit_is_refused_before_reading_it(alice, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 1000
    content = csv_bytes([HEADER, *[["甲", "13800138000", "a@example.cn", "x"]] * 5000])

    response = post_file(client_for(alice), content)

    assert_error(response, 413, "file_too_large")
    assert not ImportJob.objects.exists()


def test_upload_without_a_file_is_422(alice):
    response = client_for(alice).client.post("/api/v1/imports", {"target": "persons"})

    body = assert_error(response, 422, "validation_error")
    assert "file" in body["details"]


def test_upload_of_a_file_that_is_not_a_table_is_422(alice):
    response = post_file(client_for(alice), b"%PDF-1.4 \x00\x01binary", name="scan.pdf")

    body = assert_error(response, 422, "import_file_invalid")
    assert "file" in body["details"]
    assert not ImportJob.objects.exists()


def test_upload_with_an_unknown_target_is_422(alice):
    response = post_file(client_for(alice), csv_bytes(ROWS), target="spaceships")

    body = assert_error(response, 422, "validation_error")
    assert "target" in body["details"]


def test_a_service_agent_may_not_import(east):
    agent = user_create(username="sam", password=PASSWORD, role=Role.SERVICE_AGENT, team=east)

    response = post_file(client_for(agent), csv_bytes(ROWS))

    assert_error(response, 403, "permission_denied")


# --- Reading jobs --------------------------------------------------------------------------------


def test_job_detail_shows_status_counts_and_progress(alice):
    job = mapped(alice, ROWS, MAPPING)

    body = client_for(alice).get(f"/imports/{job.pk}").json()

    assert body["status"] == "mapped"
    assert body["counts"] == {
        "created": 0,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "warned": 0,
    }
    assert body["progress"] == {
        "percent": 0,
        "rows_done": 0,
        "rows_total": 3,
        "rows_per_second": None,
        "seconds_left": None,
        "finished": True,
    }


def test_another_users_import_is_404_on_every_endpoint(alice, bob, charlie):
    job = mapped(alice, ROWS, MAPPING)
    paths = [
        ("get", f"/imports/{job.pk}", None),
        ("get", f"/imports/{job.pk}/columns", None),
        ("put", f"/imports/{job.pk}/mapping", {"mapping": MAPPING}),
        ("post", f"/imports/{job.pk}/mapping/apply", {"mapping_id": 1}),
        ("post", f"/imports/{job.pk}/dry-run", None),
        ("get", f"/imports/{job.pk}/dry-run", None),
        ("post", f"/imports/{job.pk}/start", None),
        ("get", f"/imports/{job.pk}/rejected", None),
        ("post", f"/imports/{job.pk}/undo", None),
    ]

    for user in (bob, charlie):  # a teammate too: an import is its importer's
        client = client_for(user)
        for method, path, body in paths:
            response = (
                getattr(client, method)(path, body) if body else getattr(client, method)(path)
            )
            assert_error(response, 404, "not_found")
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPED


def test_list_shows_own_imports_and_administrators_everyones(
    alice, charlie, admin_user, django_assert_max_num_queries
):
    mine = [upload(alice, ROWS), upload(alice, ROWS)]
    theirs = upload(charlie, ROWS)
    client = client_for(alice)

    with django_assert_max_num_queries(6):
        body = client.get("/imports").json()
    admin_ids = [j["id"] for j in client_for(admin_user).get("/imports").json()["items"]]

    assert [j["id"] for j in body["items"]] == [mine[1].pk, mine[0].pk]
    assert set(admin_ids) == {mine[0].pk, mine[1].pk, theirs.pk}


def test_list_with_an_unknown_status_or_sort_is_422(alice):
    client = client_for(alice)

    assert (
        "status"
        in assert_error(client.get("/imports?status=x"), 422, "validation_error")["details"]
    )
    assert (
        "sort" in assert_error(client.get("/imports?sort=size"), 422, "validation_error")["details"]
    )


def test_columns_give_samples_the_proposed_mapping_and_custom_fields(alice, admin_user):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "label": "会员等级", "key": "tier", "field_type": "text"},
    )
    job = upload(alice, [[*HEADER, "备注X"], [*ROWS[1], "甲"], [*ROWS[3], "乙"]])

    body = client_for(alice).get(f"/imports/{job.pk}/columns").json()

    first = body["columns"][0]
    assert first == {
        "name": "姓名",
        "samples": ["张伟", "王芳"],
        "proposed": "full_name",
        "mapped": "full_name",
    }
    assert body["columns"][4]["proposed"] is None
    assert "custom:tier" in {f["key"] for f in body["fields"]}
    assert [m["value"] for m in body["match_on"]] == ["email", "phone", "external_id"]
    assert [m["value"] for m in body["modes"]] == ["create", "update", "upsert"]


# --- Mapping -------------------------------------------------------------------------------------


def test_set_mapping_with_a_custom_field_defaults_and_upsert(alice, bob, admin_user):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "label": "会员等级", "key": "tier", "field_type": "text"},
    )
    job = upload(alice, [["姓名", "邮箱", "等级"], ["张伟", "zw@example.cn", "金"]])

    response = client_for(alice).put(
        f"/imports/{job.pk}/mapping",
        {
            "mapping": {"姓名": "full_name", "邮箱": "email", "等级": "custom:tier"},
            "defaults": {"owner": "bob", "tags": ["展会"], "source": "trade_show"},
            "mode": "upsert",
            "match_on": "email",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "mapped"
    assert body["mapping"]["等级"] == "custom:tier"
    assert body["defaults"] == {"owner": "bob", "tags": ["展会"], "source": "trade_show"}
    assert (body["mode"], body["match_on"]) == ("upsert", "email")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"mapping": {"姓名": "shoe_size"}}, "mapping.姓名"),
        ({"mapping": {"不存在": "full_name"}}, "mapping.不存在"),
        ({"mapping": {"手机": "phone"}}, "mapping"),
        ({"mapping": MAPPING, "mode": "merge"}, "mode"),
        ({"mapping": MAPPING, "match_on": "name"}, "match_on"),
        ({"mapping": MAPPING, "defaults": {"owner": "nobody"}}, "defaults.owner"),
        ({"mapping": MAPPING, "defaults": {"source": "carrier pigeon"}}, "defaults.source"),
        ({"mapping": MAPPING, "defaults": {"colour": "red"}}, "defaults.colour"),
        ({"mapping": "姓名=full_name"}, "mapping"),
        ({}, "mapping"),
    ],
)
def test_set_mapping_bad_input_is_422_naming_the_field(alice, payload, field):
    job = upload(alice, ROWS)

    response = client_for(alice).put(f"/imports/{job.pk}/mapping", payload)

    body = assert_error(response, 422, "validation_error")
    assert field in body["details"]
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_mapping_cannot_change_once_the_import_started(alice, run_jobs):
    job = mapped(alice, ROWS, MAPPING)
    client = client_for(alice)
    run_jobs(client.post, f"/imports/{job.pk}/start")

    response = client.put(f"/imports/{job.pk}/mapping", {"mapping": MAPPING})

    assert_error(response, 409, "conflict")


# --- Saved mappings ------------------------------------------------------------------------------


def test_a_mapping_saved_with_the_job_is_listed_and_applied_to_the_next_file(alice):
    client = client_for(alice)
    first = upload(alice, ROWS)
    client.put(f"/imports/{first.pk}/mapping", {"mapping": MAPPING, "save_as": "CRM 导出"})
    second = upload(alice, [["姓名", "邮箱"], ["赵六", "z6@example.cn"]])

    listed = client.get("/import-mappings?target=persons").json()
    response = client.post(f"/imports/{second.pk}/mapping/apply", {"mapping_id": listed[0]["id"]})

    assert [m["name"] for m in listed] == ["CRM 导出"]
    assert listed[0]["mapping"] == MAPPING
    assert response.status_code == 200
    assert response.json()["mapping"] == {"姓名": "full_name", "邮箱": "email"}
    assert response.json()["status"] == "mapped"


def test_save_list_and_delete_a_mapping(alice):
    client = client_for(alice)

    created = client.post(
        "/import-mappings",
        {"name": "展会名单", "target": "persons", "mapping": MAPPING, "mode": "upsert"},
    )
    mapping_id = created.json()["id"]
    deleted = client.delete(f"/import-mappings/{mapping_id}")

    assert created.status_code == 201
    assert created.json()["mode"] == "upsert"
    assert deleted.status_code == 204
    assert client.get("/import-mappings").json() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "target": "persons", "mapping": MAPPING}, "name"),
        ({"name": "x" * 101, "target": "persons", "mapping": MAPPING}, "name"),
        ({"name": "x", "target": "spaceships", "mapping": MAPPING}, "target"),
        ({"name": "x", "target": "persons", "mapping": {"姓名": "shoe_size"}}, "mapping.姓名"),
        ({"name": "x", "target": "persons", "mapping": MAPPING, "mode": "merge"}, "mode"),
        ({"name": "x", "target": "persons"}, "mapping"),
    ],
)
def test_saving_a_bad_mapping_is_422(alice, payload, field):
    response = client_for(alice).post("/import-mappings", payload)

    body = assert_error(response, 422, "validation_error")
    assert field in body["details"]
    assert not ImportMapping.objects.exists()


def test_listing_saved_mappings_of_an_unknown_target_is_422(alice):
    response = client_for(alice).get("/import-mappings?target=spaceships")

    assert "target" in assert_error(response, 422, "validation_error")["details"]


def test_another_users_saved_mapping_is_404(alice, charlie):
    saved = client_for(charlie).post(
        "/import-mappings", {"name": "西区", "target": "persons", "mapping": MAPPING}
    )
    job = upload(alice, ROWS)
    client = client_for(alice)

    applied = client.post(f"/imports/{job.pk}/mapping/apply", {"mapping_id": saved.json()["id"]})
    deleted = client.delete(f"/import-mappings/{saved.json()['id']}")

    assert_error(applied, 404, "not_found")
    assert_error(deleted, 404, "not_found")
    assert ImportMapping.objects.count() == 1


def test_a_saved_mapping_for_companies_cannot_be_applied_to_persons(alice):
    client = client_for(alice)
    saved = client.post(
        "/import-mappings",
        {"name": "公司", "target": "companies", "mapping": {"名称": "name"}},
    ).json()
    job = upload(alice, ROWS)

    response = client.post(f"/imports/{job.pk}/mapping/apply", {"mapping_id": saved["id"]})

    assert "mapping_id" in assert_error(response, 422, "validation_error")["details"]


# --- Dry run, start, rejected rows, undo ---------------------------------------------------------


def test_dry_run_reports_counts_and_the_first_rejected_rows(alice, run_jobs):
    job = mapped(alice, PROBLEM_ROWS, MAPPING)
    client = client_for(alice)

    started = run_jobs(client.post, f"/imports/{job.pk}/dry-run")
    result = client.get(f"/imports/{job.pk}/dry-run").json()

    assert started.status_code == 202
    assert not Person.objects.exists()
    assert result["status"] == "dry_run_done"
    assert result["finished"] is True
    assert (result["rows"], result["created"], result["rejected"]) == (4, 3, 1)
    assert result["columns"] == HEADER
    assert [r["row"] for r in result["rejected_rows"]] == [5]
    assert result["rejected_rows"][0]["values"] == ["", "", "", "广州"]
    assert result["rejected_rows"][0]["reasons"] == ["Name: Enter a name."]
    assert result["warned"] == 1
    assert result["warned_rows"] == [
        {
            "row": 3,
            "values": ROWS[2],
            "reasons": ["邮箱: “not-an-email” is not a valid email address."],
        }
    ]


def test_dry_run_before_mapping_is_409_and_its_result_before_starting_is_409(alice):
    job = upload(alice, ROWS)
    client = client_for(alice)

    assert_error(client.post(f"/imports/{job.pk}/dry-run"), 409, "conflict")
    assert_error(client.get(f"/imports/{job.pk}/dry-run"), 409, "conflict")


def test_start_runs_the_import_and_the_job_shows_the_result(alice, run_jobs):
    job = mapped(alice, PROBLEM_ROWS, MAPPING)
    client = client_for(alice)

    started = run_jobs(client.post, f"/imports/{job.pk}/start")
    body = client.get(f"/imports/{job.pk}").json()

    assert started.status_code == 202
    assert body["status"] == "done"
    assert body["counts"] == {
        "created": 3,
        "updated": 0,
        "skipped": 0,
        "rejected": 1,
        "warned": 1,
    }
    assert body["progress"]["percent"] == 100
    assert body["progress"]["rows_done"] == 4
    assert body["progress"]["finished"] is True
    assert body["can_undo"] is True
    assert sorted(Person.objects.values_list("full_name", flat=True)) == ["张伟", "李娜", "王芳"]
    assert Person.objects.get(full_name="李娜").primary_email == ""
    assert_error(client.post(f"/imports/{job.pk}/start"), 409, "conflict")


def test_start_before_mapping_is_409(alice):
    job = upload(alice, ROWS)

    assert_error(client_for(alice).post(f"/imports/{job.pk}/start"), 409, "conflict")


def test_rejected_rows_download_in_the_files_encoding_and_delimiter(alice, run_jobs):
    job = mapped(alice, PROBLEM_ROWS, MAPPING, encoding="gbk", delimiter=";")
    client = client_for(alice)
    run_jobs(client.post, f"/imports/{job.pk}/start")

    response = client.get(f"/imports/{job.pk}/rejected")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    assert "customers-rejected.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode("gb18030").splitlines()
    assert lines[0] == "姓名;手机;邮箱;城市;Row;Reasons"
    assert lines[1:] == [";;;广州;5;Name: Enter a name."]


def test_rows_imported_with_warnings_download_like_the_rejected_ones(alice, run_jobs):
    # Given an import of a GBK file whose row 3 has a bad e-mail
    job = mapped(alice, PROBLEM_ROWS, MAPPING, encoding="gbk", delimiter=";")
    client = client_for(alice)
    run_jobs(client.post, f"/imports/{job.pk}/start")

    # When its rows imported with warnings are downloaded
    response = client.get(f"/imports/{job.pk}/warnings")

    # Then they come in the file's encoding and delimiter with the row number and the warning
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    assert "customers-warnings.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode("gb18030").splitlines()
    assert lines == [
        "姓名;手机;邮箱;城市;Row;Warnings",
        "李娜;13800138001;not-an-email;北京;3;邮箱: “not-an-email” is not a valid email address.",
    ]
    assert_error(client_for(alice).get(f"/imports/{job.pk + 1000}/warnings"), 404, "not_found")


def test_rejected_rows_before_the_import_ran_is_409(alice):
    job = mapped(alice, ROWS, MAPPING)

    assert_error(client_for(alice).get(f"/imports/{job.pk}/rejected"), 409, "conflict")


def test_undo_removes_what_the_import_created(alice, run_jobs):
    kept = person_create(actor=alice, data={"full_name": "老客户"})
    job = mapped(alice, ROWS, MAPPING)
    client = client_for(alice)
    run_jobs(client.post, f"/imports/{job.pk}/start")

    response = run_jobs(client.post, f"/imports/{job.pk}/undo")
    body = client.get(f"/imports/{job.pk}").json()

    assert response.status_code == 202
    assert body["status"] == "undone"
    assert body["can_undo"] is False
    assert list(Person.objects.values_list("pk", flat=True)) == [kept.pk]
    assert_error(client.post(f"/imports/{job.pk}/undo"), 409, "conflict")


def test_undo_of_an_import_that_has_not_run_is_409(alice):
    job = mapped(alice, ROWS, MAPPING)

    assert_error(client_for(alice).post(f"/imports/{job.pk}/undo"), 409, "conflict")


def test_an_administrator_may_follow_and_undo_anyones_import(alice, admin_user, run_jobs):
    job = mapped(alice, ROWS, MAPPING)
    run_jobs(client_for(alice).post, f"/imports/{job.pk}/start")
    admin = client_for(admin_user)

    assert admin.get(f"/imports/{job.pk}").json()["status"] == "done"
    assert run_jobs(admin.post, f"/imports/{job.pk}/undo").status_code == 202
    assert not Person.objects.exists()


def test_anonymous_callers_are_401(alice):
    job = upload(alice, ROWS)

    assert_error(ApiClient().get(f"/imports/{job.pk}"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("put", "/imports/{id}/mapping", {"mapping": MAPPING, "defaults": {"owner": "a\x00"}}),
        ("put", "/imports/{id}/mapping", {"mapping": MAPPING, "save_as": "导\x00出"}),
        ("put", "/imports/{id}/mapping", {"mapping": {"姓\x00名": "full_name"}}),
        ("post", "/import-mappings", {"name": "a\x00", "target": "persons", "mapping": MAPPING}),
    ],
)
def test_nul_characters_are_a_4xx_not_a_500(alice, method, path, payload):
    job = upload(alice, ROWS)

    response = getattr(client_for(alice), method)(path.format(id=job.pk), payload)

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) == {"code", "message", "details"}
