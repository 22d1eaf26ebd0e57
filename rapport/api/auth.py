"""Who is calling: an API key (as a Bearer token or in X-API-Key) or the browser session.

A key acts with its user's permissions. The session is accepted so that the web UI's own
scripts and the interactive docs can call the API; unsafe methods then need the CSRF token, as
any form post would.

Invalid keys are counted per client address (rapport.accounts.throttling): past the limit, an
invalid key from that address is answered 429 `throttled` for a while instead of 401. A valid key
is not slowed down, from any address: it costs no extra read on every call, an integration behind
the same office address as a misconfigured one keeps working, and telling a valid key from an
invalid one gives nothing away with 256-bit random keys (docs/decisions.md).
"""

import contextlib

from django.http import HttpRequest
from django.utils import translation
from ninja.errors import HttpError, Throttled
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from rapport.accounts import throttling
from rapport.accounts.services import api_key_authenticate


def _key_user(request: HttpRequest, secret: str | None):
    if not secret:
        return None
    user = api_key_authenticate(secret.strip())
    if user is None:
        address = throttling.client_address(request)
        wait = throttling.api_key_paused_for(address)
        if wait:
            raise Throttled(wait)
        throttling.api_key_failed(address=address)
        return None
    request.user = user
    # The session's language comes from UserLanguageMiddleware; a key's user gets the same,
    # unless the client asked for a language itself.
    if "Accept-Language" not in request.headers:
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()
    return user


def use_key_user_language(request: HttpRequest) -> None:
    """Answer in the language of the key's user, for a reply given before the API's own sign-in."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        secret = header[7:]
    else:
        secret = request.headers.get("X-API-Key")
    # A paused address gets the reply in the request's own language.
    with contextlib.suppress(Throttled):
        _key_user(request, secret)


class ApiKeyBearer(HttpBearer):
    """`Authorization: Bearer rpk_…`"""

    def authenticate(self, request: HttpRequest, token: str):
        return _key_user(request, token)


class ApiKeyInHeader(APIKeyHeader):
    """`X-API-Key: rpk_…`"""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return _key_user(request, key)


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class BrowserSession(APIKeyCookie):
    """The signed-in user of the web UI. Unsafe methods must carry the CSRF token."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only a signed-in session is checked for CSRF: a caller with no credentials at all
        # should hear 401, not a CSRF complaint.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return user


api_auth = [ApiKeyBearer(), ApiKeyInHeader(), BrowserSession()]
