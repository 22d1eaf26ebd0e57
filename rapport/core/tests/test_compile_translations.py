"""compile_translations: .po to .mo without GNU gettext, and a check that nothing is missing."""

import polib
import pytest
from django.core.management import CommandError, call_command


def _write_po(locale_dir, entries):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr in entries:
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    path = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po.save(str(path))
    return path


def test_check_passes_with_no_catalogue(settings, tmp_path, capsys):
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_translations", "--check")
    assert "Compiled 0 catalogue(s)." in capsys.readouterr().out


def test_complete_catalogue_is_compiled(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    po_path = _write_po(tmp_path, [("Persons", "客户")])

    call_command("compile_translations", "--check")

    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in mo} == {"Persons": "客户"}


def test_check_fails_on_an_untranslated_message(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(tmp_path, [("Persons", "客户"), ("Companies", "")])

    with pytest.raises(CommandError, match="Companies"):
        call_command("compile_translations", "--check")


def test_without_check_an_incomplete_catalogue_still_compiles(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    po_path = _write_po(tmp_path, [("Persons", "客户"), ("Companies", "")])

    call_command("compile_translations")

    assert po_path.with_suffix(".mo").exists()


def test_check_fails_on_a_placeholder_the_message_does_not_have(settings, tmp_path):
    # A fuzzy guess kept by mistake gave "%(fewest)d–%(most)d days" another message's
    # "%(first)s–%(last)s 天": a KeyError on the page, not at compile time.
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(tmp_path, [("%(fewest)d–%(most)d days", "%(first)s–%(last)s 天")])

    with pytest.raises(CommandError, match="placeholders"):
        call_command("compile_translations", "--check")


def test_check_accepts_a_translation_that_leaves_a_placeholder_out(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(tmp_path, [("%(count)s persons", "客户")])

    call_command("compile_translations", "--check")
