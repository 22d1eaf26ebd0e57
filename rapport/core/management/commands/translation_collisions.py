"""List the short msgids that several apps share without a context: candidates for pgettext.

One msgid has one translation. "Lost" used for a lost deal and for a churned customer got the
customer's word everywhere (issue 12); such words need a context each. This lists where a short
label without msgctxt is used in more than one app, with its Chinese, for a person to judge:
most shared words ("Name", "Save") mean the same everywhere and stay as they are.
"""

import re
from collections import defaultdict
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

_APP = re.compile(r"^(?:rapport/(?P<app>\w+)/|(?P<top>templates|config)/)")


def _area(path: str) -> str:
    match = _APP.match(path)
    if not match:
        return path.split("/", 1)[0]
    return match.group("app") or match.group("top")


class Command(BaseCommand):
    help = "List short msgids without context that are used in several apps (pgettext candidates)."

    def add_arguments(self, parser):
        parser.add_argument("--max-words", type=int, default=2, help="longest msgid to list")
        parser.add_argument("--min-apps", type=int, default=2, help="apps a msgid must span")

    def handle(self, *args, max_words: int, min_apps: int, **options):
        found = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/django.po")):
                if po_path.parts[-3] == "en":  # msgstr = msgid: nothing can collide
                    continue
                po = polib.pofile(str(po_path))
                contexts = defaultdict(list)
                for entry in po:
                    if entry.msgctxt and not entry.obsolete:
                        contexts[entry.msgid].append(f"{entry.msgctxt}={entry.msgstr}")
                for entry in po:
                    if entry.obsolete or entry.msgctxt or len(entry.msgid.split()) > max_words:
                        continue
                    areas = defaultdict(list)
                    for path, line in entry.occurrences:
                        areas[_area(path)].append(f"{path}:{line}")
                    if len(areas) < min_apps:
                        continue
                    found += 1
                    also = f"  (with context: {', '.join(contexts[entry.msgid])})"
                    self.stdout.write(
                        f"{entry.msgid!r} → {entry.msgstr!r}"
                        + (also if contexts[entry.msgid] else "")
                    )
                    for area in sorted(areas):
                        self.stdout.write(f"    {area}: {' '.join(areas[area])}")
        self.stdout.write(f"{found} shared msgid(s) to review.")
