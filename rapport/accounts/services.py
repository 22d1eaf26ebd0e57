import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import (
    ApiKey,
    AuditAction,
    AuditEvent,
    NotificationDelivery,
    Role,
    Team,
    User,
)
from rapport.core.cleaning import visible_text
from rapport.core.errors import NotFound, ValidationFailed

API_KEY_PREFIX = "rpk_"


def hash_api_key(secret: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is enough (no password stretching).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def team_create(*, name: str) -> Team:
    team, _created = Team.objects.get_or_create(name=name)
    return team


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str = Role.SALES_REP,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str | None = None,
    is_superuser: bool = False,
) -> User:
    """A new user. Without a language, the first sign-in sets it (user_signed_in_language)."""
    from django.conf import settings

    user = User(
        username=username,
        role=role,
        team=team,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language or settings.LANGUAGE_CODE,
        language_chosen=language is not None,
        is_staff=is_superuser or role == Role.ADMINISTRATOR,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    return user


def user_set_language(*, user: User, language: str) -> None:
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), {"language": [_("Unknown language.")]})
    user.language = language
    user.language_chosen = True
    user.save(update_fields=["language", "language_chosen"])


def user_set_notification_delivery(*, user: User, delivery: str) -> None:
    """Choose how the user hears of mentions: in the app only, or in the app and by e-mail."""
    if delivery not in NotificationDelivery.values:
        message = _("“%(value)s” is not a valid choice.") % {"value": delivery}
        raise ValidationFailed(message, {"notification_delivery": [message]})
    user.notification_delivery = delivery
    user.save(update_fields=["notification_delivery"])


def user_calendar_token_reset(*, user: User) -> str:
    """Give the user a new calendar feed address (the old one stops working); returns the
    token. 256 random bits, so the address cannot be guessed."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def user_calendar_token_clear(*, user: User) -> None:
    """Switch the user's calendar feed off: its address answers 404 from now on."""
    user.calendar_token = ""
    user.save(update_fields=["calendar_token"])


def user_for_calendar_token(token: str) -> User:
    """The active user whose calendar feed `token` opens; `NotFound` for any other string."""
    user = None
    if token and len(token) <= 64:
        user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None or not secrets.compare_digest(user.calendar_token, token):
        raise NotFound(_("Calendar not found."))
    return user


def user_signed_in_language(*, user: User, language: str) -> str:
    """The language a user works in after signing in from a page shown in `language`.

    A language the user saved wins; a user who never chose one keeps the sign-in page's
    language (the browser's), which is saved so that every later page and e-mail uses it.
    """
    from django.conf import settings

    if not user.language_chosen and language in dict(settings.LANGUAGES):
        user.language = language
        user.language_chosen = True
        user.save(update_fields=["language", "language_chosen"])
    return user.language


@transaction.atomic
def api_key_create(*, user: User, name: str) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never shown again."""
    name = visible_text(name)
    if not name:
        raise ValidationFailed(_("Give the key a name."), {"name": [_("This field is required.")]})
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user, name=name[:100], prefix=secret[:12], key_hash=hash_api_key(secret)
    )
    audit_record(
        actor=user,
        action=AuditAction.API_KEY_CREATED,
        target_type="api_key",
        target_id=key.pk,
        summary=str(key),
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, user: User, key_id: int) -> ApiKey:
    key = ApiKey.objects.filter(user=user, pk=key_id).first()
    if key is None:
        raise NotFound(_("API key not found."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.API_KEY_REVOKED,
            target_type="api_key",
            target_id=key.pk,
            summary=str(key),
        )
    return key


def api_key_authenticate(secret: str) -> User | None:
    key = (
        ApiKey.objects.select_related("user", "user__team")
        .filter(key_hash=hash_api_key(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    # Record use at most once a minute so that a busy integration does not write on every call.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user


def audit_record(
    *,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: int | None = None,
    summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Add a line to the audit log, in the caller's transaction (a change rolled back leaves no
    line). `actor` None is the system (a scheduled job, a command). `summary` names what was
    touched in the user's own words (names, a file name), not in a language: the action is
    worded when read."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}")
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(str(actor) if actor is not None else "")[:150],
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:300],
        data=data or {},
    )
