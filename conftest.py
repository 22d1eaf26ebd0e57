"""Fixtures shared by every test: a small company with two teams.

- alice and bob are sales representatives in the East team; alice owns records, bob is her
  colleague (he sees the team's records);
- charlie is a representative in the West team and must never see East's records;
- diana manages East; admin administers everything.
"""

from collections import Counter
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from rapport.accounts.models import Role
from rapport.accounts.services import team_create, user_create
from rapport.dataio.demo import demo_set
from rapport.dataio.demo.sales import leads as demo_leads
from rapport.dataio.demo.sales import orders as demo_orders

PASSWORD = "correct-horse-battery-staple"  # noqa: S105

# The modules that take longest, longest first (seconds on a loaded two-core machine, SQLite):
# the page check 225-265, ERP sync 46, the README pictures 45, bootstrap 43, hostile input 40.
# The demo set's own checks load it at full size once (as bootstrap's first test did until it
# took the small set): started early too, so that it does not end a worker's share alone.
LONGEST_MODULES = (
    "tests/browser/test_every_page.py",
    "rapport/integration/tests/test_erp_sync.py",
    "tests/browser/test_screenshot.py",
    "rapport/dataio/tests/test_demo_set.py",
    "rapport/dataio/tests/test_bootstrap.py",
    "tests/security/test_hostile_input.py",
)


def pytest_configure(config):
    """On PostgreSQL, the tests' connections commit without waiting for the write-ahead log to
    reach the disk (`synchronous_commit=off`, a per-session setting, set when the connection
    opens and costing no query). What a transaction sees and when it is visible to others is
    unchanged; only a crash of the server could lose the last commits, of a test database.
    The server's own configuration is untouched. The migrations, the transactional tests'
    flushes and the live server's requests commit often, and each commit waited for the disk."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        _flush_by_delete()


def _flush_by_delete():
    """On PostgreSQL, a transactional test's flush (after each test that commits: live server,
    `transaction=True`) deletes the rows instead of truncating the 147 tables. Django's one
    `TRUNCATE t1, ..., t147` gives every table and index a new file, 5.5 s on this machine at
    load 6 for tables holding a handful of rows; the same tables emptied by DELETE take 0.15 s.
    The foreign keys Django creates are deferrable, so with the constraints deferred the order
    of the deletes does not matter: they are checked once, at the flush's commit. A flush that
    resets sequences (no test asks for it today) keeps Django's TRUNCATE ... RESTART IDENTITY."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED;",
            *(f"DELETE FROM {self.quote_name(table)};" for table in tables),  # noqa: S608
        ]

    DatabaseOperations.sql_flush = sql_flush


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Start the long modules first. `make test` hands whole modules to its two xdist workers
    (--dist loadscope) in this order; xdist's own order, most tests first, left the page check
    (two tests, four minutes) among the last modules, run alone while the other worker idled.
    Then the other browser modules (each starts a live server and a browser context), then the
    rest, most tests first. The sort is stable: pytest-django's order within a module stays."""
    counts = Counter(item.nodeid.split("::")[0] for item in items)

    def rank(item) -> tuple:
        module = item.nodeid.split("::")[0]
        if module in LONGEST_MODULES:
            return (0, LONGEST_MODULES.index(module), module)
        return (1 if item.get_closest_marker("browser") else 2, -counts[module], module)

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Templates use {% static %}; tests should not depend on a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 costs about half a second per hash by design; with five users per test it was most
    # of the suite's time. The same algorithm at its cheapest parameters keeps tests realistic;
    # test_passwords_are_hashed_with_argon2 checks the real setting.
    settings.PASSWORD_HASHERS = ["rapport.accounts.tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    # Every test starts in English, the language of the fixture users below. A request made
    # with Django's test client activates its user's language in the test's own thread; the
    # override is undone afterwards, so no test inherits the language of the one before it.
    with translation.override("en"):
        yield


@pytest.fixture
def east(db):
    return team_create(name="East")


@pytest.fixture
def west(db):
    return team_create(name="West")


@pytest.fixture
def alice(east):
    return user_create(
        username="alice", password=PASSWORD, role=Role.SALES_REP, team=east, language="en"
    )


@pytest.fixture
def bob(east):
    return user_create(
        username="bob", password=PASSWORD, role=Role.SALES_REP, team=east, language="en"
    )


@pytest.fixture
def charlie(west):
    return user_create(
        username="charlie", password=PASSWORD, role=Role.SALES_REP, team=west, language="en"
    )


@pytest.fixture
def diana(east):
    return user_create(
        username="diana", password=PASSWORD, role=Role.SALES_MANAGER, team=east, language="en"
    )


@pytest.fixture
def admin_user(db):
    return user_create(username="admin", password=PASSWORD, role=Role.ADMINISTRATOR, language="en")


@pytest.fixture
def small_demo_set():
    """The demo set at about a quarter of its size while the test runs: every kind of record,
    user and page state is still there, in a quarter of the time. For tests that need the demo
    data but not its volume (test_bootstrap checks the full size once)."""
    with (
        mock.patch.multiple(demo_set, DEMO_PERSONS=80, DEMO_COMPANIES=30, DEMO_INTERACTIONS=300),
        mock.patch.object(demo_leads, "DEMO_LEADS", 40),
        mock.patch.object(demo_orders, "DEMO_ORDERS", 60),
    ):
        yield
