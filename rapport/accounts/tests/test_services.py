"""Users, teams and API keys."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, identify_hasher

from config import settings as project_settings
from conftest import PASSWORD
from rapport.accounts.models import ApiKey, Team, User
from rapport.accounts.services import (
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    hash_api_key,
    team_create,
    user_create,
    user_set_language,
)
from rapport.core.errors import NotFound, ValidationFailed


def test_passwords_are_hashed_with_argon2(settings, east):
    # Given the project's own hasher setting (the test suite swaps in a fast one)
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    # When a user is created
    user = user_create(username="erin", password=PASSWORD, team=east)

    # Then the password is stored as an argon2 hash, and checks against it
    assert type(get_hasher()) is Argon2PasswordHasher
    assert identify_hasher(user.password).algorithm == "argon2"
    assert PASSWORD not in user.password
    assert authenticate(username="erin", password=PASSWORD) == user


def test_user_can_log_in_with_the_password_given_at_creation(alice):
    assert authenticate(username="alice", password=PASSWORD) == alice
    assert authenticate(username="alice", password="wrong password") is None


def test_team_create_is_idempotent_by_name(db):
    first = team_create(name="North")
    second = team_create(name="North")
    assert first == second
    assert Team.objects.filter(name="North").count() == 1


def test_api_key_secret_is_returned_once_and_only_its_hash_is_stored(alice):
    # When alice creates a key
    key, secret = api_key_create(user=alice, name="ERP sync")

    # Then the secret is returned but not stored; the stored hash matches it
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret.startswith("rpk_")
    assert len(secret) > 40
    assert stored.key_hash == hash_api_key(secret)
    assert secret not in stored.key_hash
    assert stored.prefix == secret[:12]
    row_values = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret != value for value in row_values.values())


def test_each_api_key_gets_a_different_secret(alice):
    _, first = api_key_create(user=alice, name="one")
    _, second = api_key_create(user=alice, name="two")
    assert first != second


def test_api_key_needs_a_name(alice):
    with pytest.raises(ValidationFailed) as excinfo:
        api_key_create(user=alice, name="   ")
    assert set(excinfo.value.details) == {"name"}
    assert ApiKey.objects.count() == 0


def test_api_key_authenticates_as_its_user_and_records_use(alice):
    key, secret = api_key_create(user=alice, name="ERP sync")

    assert api_key_authenticate(secret) == alice

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_unknown_api_key_does_not_authenticate(alice):
    api_key_create(user=alice, name="ERP sync")
    assert api_key_authenticate("rpk_not-a-real-key") is None
    assert api_key_authenticate("") is None


def test_revoked_api_key_no_longer_authenticates(alice):
    # Given a working key
    key, secret = api_key_create(user=alice, name="ERP sync")
    assert api_key_authenticate(secret) == alice

    # When alice revokes it
    api_key_revoke(user=alice, key_id=key.pk)

    # Then it fails, and the key is kept (marked revoked) for the record
    assert api_key_authenticate(secret) is None
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert not key.is_active


def test_api_key_of_deactivated_user_does_not_authenticate(alice):
    _, secret = api_key_create(user=alice, name="ERP sync")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert api_key_authenticate(secret) is None


def test_user_cannot_revoke_someone_elses_key(alice, bob):
    key, secret = api_key_create(user=alice, name="ERP sync")

    with pytest.raises(NotFound):
        api_key_revoke(user=bob, key_id=key.pk)

    assert api_key_authenticate(secret) == alice


def test_user_language_can_be_switched(alice):
    user_set_language(user=alice, language="zh-hans")
    alice.refresh_from_db()
    assert alice.language == "zh-hans"


def test_unknown_language_is_refused(alice):
    with pytest.raises(ValidationFailed) as excinfo:
        user_set_language(user=alice, language="klingon")
    assert set(excinfo.value.details) == {"language"}
    alice.refresh_from_db()
    assert alice.language == "en"


def test_chinese_full_name_is_family_name_first_without_space(east):
    user = user_create(username="wujing", password=PASSWORD, first_name="静", last_name="吴")
    english = user_create(
        username="emily", password=PASSWORD, first_name="Emily", last_name="Carter"
    )

    assert user.get_full_name() == "吴静"
    assert english.get_full_name() == "Emily Carter"
