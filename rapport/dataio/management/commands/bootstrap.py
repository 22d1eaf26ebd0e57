"""First-run set-up for `make run`: an administrator, the demo data once, and how to log in.

Safe to run on every start: it creates only what is missing and never reseeds. With `--serve`
(what `make run` does) it then starts `serve`, which prints the address and the login once the
server is up, so that they are the last lines on the console.
"""

import contextlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from rapport.accounts.models import Role, User
from rapport.accounts.services import user_create
from rapport.customers.models import Person

ADMIN_USERNAME = "admin"
DEMO_MARKER = "demo_data_loaded"


def admin_password() -> tuple[str, str]:
    """The administrator's initial password and where it came from.

    RAPPORT_ADMIN_PASSWORD wins; otherwise a random password is generated once and kept in
    var/admin_password, so every later run (and the demo users) use the same one.
    """
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD")
    if password:
        return password, "RAPPORT_ADMIN_PASSWORD"
    path = settings.VAR_DIR / "admin_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12) + "\n")
        path.chmod(0o600)
    return path.read_text().strip(), str(path)


def _password_origin(source: str) -> str:
    """Where the initial password comes from, as the console says it."""
    path = Path(source)
    if not path.is_absolute():
        return f"from {source}"  # RAPPORT_ADMIN_PASSWORD
    with contextlib.suppress(ValueError):  # outside the working directory: the full path
        path = path.resolve().relative_to(Path.cwd().resolve())
    return f"kept in {path}"


def _database_label() -> str:
    db = connection.settings_dict
    return f"{connection.vendor}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"


def _demo_env_enabled() -> bool:
    raw = os.environ.get("RAPPORT_DEMO_DATA", "true").strip().lower()
    return raw not in {"0", "false", "no", "off"}


class Command(BaseCommand):
    help = (
        "Create the administrator if there is none, load the demo data the first time "
        "(unless RAPPORT_DEMO_DATA=false), and print the URL and the login; with --serve, "
        "start the server and print them once it is up."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--serve",
            action="store_true",
            help="Then run `serve`, which prints the URL and the login after it has started.",
        )

    def handle(self, *args, serve=False, **options):
        password, password_source = admin_password()
        created_admin = self._ensure_admin(password)
        self._demo_data(password)
        login = self._login(password, password_source, created_admin)
        if serve:
            call_command("serve", message=login)
            return

        host = os.environ.get("RAPPORT_HOST", "127.0.0.1")
        port = os.environ.get("RAPPORT_PORT", "8000")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Rapport: http://{host}:{port}/"))
        for line in login:
            self.stdout.write(f"  {line}")
        self.stdout.write("")

    def _login(self, password: str, password_source: str, created_admin: bool) -> list[str]:
        admin = User.objects.filter(username=ADMIN_USERNAME, is_active=True).first()
        if admin is None:
            return ["Log in with your administrator's account."]
        # The password is shown for as long as it still opens the account.
        origin = _password_origin(password_source)
        if created_admin or admin.check_password(password):
            return [f"Log in as {ADMIN_USERNAME} / {password}  ({origin})"]
        return [f"Log in as {ADMIN_USERNAME} (the first password, {origin}, was changed since)."]

    def _ensure_admin(self, password: str) -> bool:
        has_admin = (
            User.objects.filter(role=Role.ADMINISTRATOR).exists()
            or User.objects.filter(is_superuser=True).exists()
        )
        if has_admin:
            return False
        user_create(
            username=ADMIN_USERNAME,
            password=password,
            role=Role.ADMINISTRATOR,
            is_superuser=True,
            first_name="Administrator",
        )
        self.stdout.write(f"Created the administrator “{ADMIN_USERNAME}”.")
        return True

    def _demo_data(self, password: str) -> None:
        # The marker lists the databases already seeded, so pointing DATABASE_URL at a fresh
        # database seeds it, and a database emptied by hand is not refilled behind your back.
        marker = settings.VAR_DIR / DEMO_MARKER
        seeded = set(marker.read_text().splitlines()) if marker.exists() else set()
        label = _database_label()
        if label in seeded:
            return
        if not _demo_env_enabled():
            self.stdout.write("Demo data skipped (RAPPORT_DEMO_DATA=false).")
            return
        if Person.objects.exists():
            self.stdout.write("The database already has persons: no demo data loaded.")
        else:
            self.stdout.write("Loading the demo data (first run only)…")
            call_command("seed_demo", password=password, stdout=self.stdout)
        with marker.open("a") as f:
            f.write(label + "\n")
