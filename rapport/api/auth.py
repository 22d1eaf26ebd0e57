"""Who is calling: an API key (as a Bearer token or in X-API-Key) or the browser session.

A key acts with its user's permissions. The session is accepted so that the web UI's own
scripts and the interactive docs can call the API; unsafe methods then need the CSRF token, as
any form post would.
"""

from django.http import HttpRequest
from django.utils import translation
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from rapport.accounts.services import api_key_authenticate


def _key_user(request: HttpRequest, secret: str | None):
    if not secret:
        return None
    user = api_key_authenticate(secret.strip())
    if user is None:
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
