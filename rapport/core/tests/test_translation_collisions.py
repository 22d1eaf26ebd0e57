import polib
from django.core.management import call_command


def _write_po(locale_dir, entries):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr, ctx, occurrences in entries:
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, msgctxt=ctx, occurrences=occurrences))
    path = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))


def test_lists_a_short_msgid_shared_by_two_apps_without_context(settings, tmp_path, capsys):
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(
        tmp_path,
        [
            (
                "Lost",
                "流失客户",
                None,
                [("rapport/customers/models.py", "37"), ("rapport/sales/models/deals.py", "32")],
            ),
            ("Lost", "输单", "deal status", [("rapport/sales/models/deals.py", "32")]),
            ("Persons", "联系人", None, [("rapport/customers/views.py", "1")]),
            (
                "A long sentence shared",
                "句子",
                None,
                [("rapport/customers/a.py", "1"), ("rapport/sales/b.py", "1")],
            ),
        ],
    )

    call_command("translation_collisions")

    out = capsys.readouterr().out
    assert "'Lost' → '流失客户'  (with context: deal status=输单)" in out
    assert "customers: rapport/customers/models.py:37" in out
    assert "Persons" not in out
    assert "A long sentence" not in out
    assert "1 shared msgid(s) to review." in out
