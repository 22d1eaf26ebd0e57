"""Compile locale/*.po to .mo with polib, so setup needs no GNU gettext on the machine."""

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
            help="Fail if any message is untranslated or fuzzy.",
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
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"Compiled {count} catalogue(s).")
