import io

import pytest
from django.core.management import call_command

from rapport.accounts.models import Role, User
from rapport.activities.models import Interaction
from rapport.customers.models import Company, Person
from rapport.dataio.demo import demo_set
from rapport.dataio.management.commands import bootstrap
from rapport.sales.models import Deal, Lead, Order, Payment


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("RAPPORT_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("RAPPORT_DEMO_DATA", raising=False)
    return tmp_path


def _bootstrap() -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Person.objects.count(),
        Company.objects.count(),
        Interaction.objects.count(),
        Lead.objects.count(),
        Deal.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
    )


@pytest.mark.django_db
def test_bootstrap_creates_admin_with_stored_password_and_loads_demo(var_dir, small_demo_set):
    # The demo set at a quarter of its size: bootstrap must load it at the size `seed_demo`
    # gives without sizes, whatever that is; test_demo_set checks that size and content once.
    output = _bootstrap()

    password = (var_dir / "admin_password").read_text().strip()
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMINISTRATOR
    assert admin.check_password(password)
    assert User.objects.get(username="wang.fang").check_password(password)
    assert Person.objects.count() >= demo_set.DEMO_PERSONS
    assert Interaction.objects.count() >= demo_set.DEMO_INTERACTIONS
    assert Lead.objects.exists() and Deal.objects.exists()
    assert Order.objects.exists() and Payment.objects.exists()
    assert "http://127.0.0.1:8000/" in output
    assert password in output


@pytest.mark.django_db
def test_second_bootstrap_creates_nothing_new(var_dir, small_demo_set):
    _bootstrap()
    before = _counts()

    output = _bootstrap()

    assert _counts() == before
    assert "Loading the demo data" not in output


@pytest.mark.django_db
def test_bootstrap_uses_admin_password_from_environment(var_dir, monkeypatch):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "from-the-environment-42")
    monkeypatch.setenv("RAPPORT_DEMO_DATA", "false")

    _bootstrap()

    assert User.objects.get(username="admin").check_password("from-the-environment-42")
    assert not (var_dir / "admin_password").exists()


@pytest.mark.django_db
def test_bootstrap_skips_demo_data_when_disabled(var_dir, monkeypatch):
    monkeypatch.setenv("RAPPORT_DEMO_DATA", "false")

    _bootstrap()

    assert User.objects.filter(username="admin").exists()
    assert not Person.objects.exists()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_bootstrap_keeps_an_existing_administrator(var_dir, admin_user, monkeypatch):
    # The demo data has no bearing on this, and costs seconds to load.
    monkeypatch.setenv("RAPPORT_DEMO_DATA", "false")

    _bootstrap()

    assert list(User.objects.filter(role=Role.ADMINISTRATOR)) == [admin_user]


@pytest.mark.django_db
def test_bootstrap_serve_hands_the_login_to_serve_to_print_last(var_dir, monkeypatch):
    monkeypatch.setenv("RAPPORT_DEMO_DATA", "false")
    served = []
    monkeypatch.setattr(bootstrap, "call_command", lambda name, **options: served.append(options))

    output = io.StringIO()
    call_command("bootstrap", serve=True, stdout=output)

    password = (var_dir / "admin_password").read_text().strip()
    assert served == [
        {"message": [f"Log in as admin / {password}  (kept in {var_dir / 'admin_password'})"]}
    ]
    assert password not in output.getvalue()


@pytest.mark.django_db
def test_bootstrap_no_longer_shows_a_password_that_was_changed(var_dir, monkeypatch):
    monkeypatch.setenv("RAPPORT_DEMO_DATA", "false")
    _bootstrap()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-admin-42")
    admin.save()

    output = _bootstrap()

    assert "changed-by-the-admin-42" not in output
    assert (var_dir / "admin_password").read_text().strip() not in output
    assert "was changed since" in output
