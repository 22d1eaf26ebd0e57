"""Import exchange rates from a CSV file, through the same service as the rates page and the API.

    manage.py import_exchange_rates rates.csv [--user admin]

Columns: currency, date (the day the rate is valid from), rate — or 币种, 日期, 汇率 — and
optionally source. A row for a currency and day that already has a rate corrects it. All or
nothing: when a row is wrong nothing is saved and every wrong row is printed with its line number.
Without `--user` the rates are entered by the system (the audit log names no user).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rapport.accounts.access import can_manage_settings
from rapport.accounts.models import User
from rapport.core.errors import ValidationFailed
from rapport.sales.services.currency import IMPORT_MAX_BYTES, exchange_rates_import


class Command(BaseCommand):
    help = "Import exchange rates (currency, date, rate) from a CSV file; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file.")
        parser.add_argument(
            "--user", default="", help="User name of the administrator entering the rates."
        )

    def handle(self, *args, path: str, user: str, **options):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None or not can_manage_settings(actor):
                raise CommandError(
                    _("No active administrator is called “%(user)s”.") % {"user": user}
                )
        file = Path(path)
        try:
            with file.open("rb") as handle:
                content = handle.read(IMPORT_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        try:
            result = exchange_rates_import(actor=actor, content=content, filename=file.name[:100])
        except ValidationFailed as exc:
            for key, messages in sorted(exc.details.items(), key=_by_line):
                for message in messages:
                    self.stderr.write(f"{_where(key)}: {message}")
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Rates imported: %(created)d added, %(updated)d corrected, %(unchanged)d unchanged.")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )


def _by_line(item) -> tuple:
    parts = item[0].split(".")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0, item[0])


def _where(key: str) -> str:
    parts = key.split(".")
    if parts[0] == "rows" and len(parts) == 3:
        return _("line %(line)s, %(column)s") % {"line": parts[1], "column": parts[2]}
    return key
