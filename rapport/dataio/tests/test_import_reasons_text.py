"""A rejected row's reasons read as sentences in both languages, never ".; "."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from huey.contrib.djhuey import HUEY

from rapport.dataio.tests.test_import_jobs_helpers import import_dir, mapped  # noqa: F401
from rapport.dataio.tests.test_import_views import BAD, GOOD, HEADER, MAPPING


@pytest.fixture(autouse=True)
def huey_immediate():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


def _reasons_cell(html: str) -> str:
    return re.search(r'data-testid="dry-run-reasons">(.*?)</td>', html, re.S).group(1)


@pytest.mark.parametrize(("language", "separator"), [("en", ". "), ("zh-hans", "。")])
def test_dry_run_reasons_are_sentences(
    client, alice, language, separator, django_capture_on_commit_callbacks
):
    alice.language = language
    alice.save(update_fields=["language"])
    client.force_login(alice)
    job = mapped(alice, [HEADER, *GOOD, *BAD], MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dataio:import_dry_run", args=[job.pk]))

    cell = _reasons_cell(client.get(reverse("dataio:import_detail", args=[job.pk])).text)

    # No name, and the phone and the e-mail of the bad row: sentences, one after the other
    assert ";" not in cell
    assert separator in cell
    assert "12345" in cell and "not-an-email" in cell


def test_rejected_rows_file_reasons_are_sentences(
    client, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    job = mapped(alice, [HEADER, *GOOD, *BAD], MAPPING)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dataio:import_start", args=[job.pk]))

    response = client.get(reverse("dataio:import_rejected", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    reasons = rows[1][-1]
    assert "|" not in reasons and ";" not in reasons
    assert re.fullmatch(r"(?:[^.]+\. )+[^.]+\.", reasons.replace("example.", "example")), reasons


def test_join_sentences_in_both_languages():
    from rapport.core.formats import join_sentences

    with translation.override("en"):
        assert join_sentences(["Phone: not a number.", "Email: bad", ""]) == (
            "Phone: not a number. Email: bad."
        )
    with translation.override("zh-hans"):
        assert join_sentences(["手机：不是号码。", "邮箱：无效"]) == "手机：不是号码。邮箱：无效。"
