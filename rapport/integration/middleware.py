"""`Idempotency-Key` on every POST to the API: a retried request creates nothing twice.

The key is the caller's (per user; up to 100 characters). The first request with a key claims
it (a row committed at once), then runs in one transaction with the saving of its answer, so
either both are kept or neither is. Then:

- the same key with the same method, path and body answers the saved response again, 200
  instead of 201 since nothing was created this time, with `Idempotent-Replayed: true`;
- the same key with another request is 422 `idempotency_key_reused`;
- the same key while its first request still runs is 409 `idempotency_key_in_use`;
- only successful (2xx) answers are kept: after an error the key is free for a retry;
- keys are kept 24 hours (`idempotency_keys_purge`, scheduled in config/schedules.py); a claim
  left by a request that died is taken over after 10 minutes.
"""

import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.services import api_key_authenticate
from rapport.integration.models import IdempotencyKey

API_PREFIX = "/api/v1/"
KEY_LIMIT = 100
KEPT_FOR = datetime.timedelta(hours=24)
ABANDONED_AFTER = datetime.timedelta(minutes=10)


def _error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": str(message), "details": details or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _caller(request: HttpRequest):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    secret = (
        header[7:] if header.lower().startswith("bearer ") else request.headers.get("X-API-Key")
    )
    return api_key_authenticate(secret.strip()) if secret else None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(claim: IdempotencyKey) -> HttpResponse:
    status = 200 if claim.status_code == 201 else claim.status_code
    response = HttpResponse(bytes(claim.body), status=status, content_type=claim.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(user, key: str, fingerprint: str) -> IdempotencyKey | HttpResponse:
    """The new claim on `key`, or the answer when it is already taken."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=fingerprint, created_at=now
                )
        except IntegrityError:
            claim = IdempotencyKey.objects.filter(user=user, key=key).first()
            if claim is None:
                continue
            expired = claim.created_at < now - KEPT_FOR
            abandoned = claim.status_code is None and claim.created_at < now - ABANDONED_AFTER
            if expired or abandoned:
                IdempotencyKey.objects.filter(pk=claim.pk, created_at=claim.created_at).delete()
                continue
            if claim.status_code is None:
                return _error(
                    409,
                    "idempotency_key_in_use",
                    _("A request with this Idempotency-Key is still running. Retry in a moment."),
                )
            if claim.request_hash != fingerprint:
                message = _(
                    "This Idempotency-Key was already used for another request. Send a new key "
                    "for a new request."
                )
                return _error(
                    422, "idempotency_key_reused", message, {"Idempotency-Key": [message]}
                )
            return _replay(claim)
    return _error(
        409,
        "idempotency_key_in_use",
        _("A request with this Idempotency-Key is still running. Retry in a moment."),
    )


class IdempotencyKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > KEY_LIMIT:
            message = _("Send a key of 1 to %(limit)d characters, e.g. a UUID.") % {
                "limit": KEY_LIMIT
            }
            return _error(
                422,
                "validation_error",
                _("Please correct the errors below."),
                {"Idempotency-Key": [message]},
            )
        user = _caller(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself
        claim = _claim(user, key, _fingerprint(request))
        if isinstance(claim, HttpResponse):
            return claim
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if 200 <= response.status_code < 300 and not response.streaming:
                    claim.status_code = response.status_code
                    claim.content_type = response.get("Content-Type", "")[:100]
                    claim.body = response.content
                    claim.save(update_fields=["status_code", "content_type", "body"])
        except BaseException:
            IdempotencyKey.objects.filter(pk=claim.pk).delete()
            raise
        if claim.status_code is None:
            IdempotencyKey.objects.filter(pk=claim.pk).delete()
        return response


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget the keys older than 24 hours (the periodic job)."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    return deleted
