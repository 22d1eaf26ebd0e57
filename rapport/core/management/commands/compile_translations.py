"""Compile locale/*.po to .mo with polib, so setup needs no GNU gettext on the machine."""

import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every locale/<lang>/LC_MESSAGES/*.po file into its .mo file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Fail if any message is untranslated or fuzzy, or its translation names a "
            "placeholder its message does not have.",
        )

    def handle(self, *args, check: bool = False, **options):
        problems = []
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                po = polib.pofile(str(po_path))
                if check:
                    missing = [e.msgid for e in po.untranslated_entries()]
                    missing += [e.msgid for e in po.fuzzy_entries()]
                    if missing:
                        problems.append(f"{po_path}: {len(missing)} untranslated: {missing[:5]}")
                    wrong = [e.msgid for e in po.translated_entries() if _foreign_placeholders(e)]
                    if wrong:
                        problems.append(
                            f"{po_path}: {len(wrong)} with placeholders their message does not "
                            f"have (a KeyError when shown): {wrong[:5]}"
                        )
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"Compiled {count} catalogue(s).")


PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _foreign_placeholders(entry: polib.POEntry) -> set[str]:
    """Named placeholders in the translation that neither the message nor its plural has: a
    translation copied from another message (a fuzzy guess kept) fails only when shown."""
    known = set(PLACEHOLDER.findall(entry.msgid)) | set(
        PLACEHOLDER.findall(entry.msgid_plural or "")
    )
    translations = [entry.msgstr, *entry.msgstr_plural.values()]
    return {name for text in translations for name in PLACEHOLDER.findall(text)} - known
