"""Throttling of password and API key guesses: counts of failures kept in the shared cache.

The policy, each number a setting (docs/configuration.md):

- sign-in, per account: RAPPORT_SIGNIN_ACCOUNT_FAILURES failures for one user name within
  RAPPORT_THROTTLE_WINDOW_SECONDS pause sign-in for that name for RAPPORT_THROTTLE_LOCKOUT_SECONDS;
- sign-in, per client address: RAPPORT_SIGNIN_ADDRESS_FAILURES failures from one address within
  the window pause every sign-in from that address;
- API keys, per client address: RAPPORT_API_KEY_ADDRESS_FAILURES invalid keys from one address
  within the window pause every key presented from that address.

A pause that follows an earlier one within a day lasts twice as long, up to a day, so a slow
guesser gets ever fewer tries. A successful sign-in clears its account's count (not its
address's: signing in to one's own account must not buy more guesses at another). User names
are counted whether or not an account has them, so a pause tells nothing about who exists.

The counts live in Django's default cache, which the settings point at a database table: every
worker process and every machine on the same database shares it, where a per-process memory
cache would multiply each limit by the number of workers. A count is read and written back
rather than incremented atomically; failures that arrive at the same instant may be counted as
one, which only delays a pause by a few tries.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "rapport:throttle"
# A repeated pause doubles, up to this long; pauses are remembered this long for the doubling.
LONGEST_PAUSE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Limit:
    scope: str
    setting: str

    @property
    def failures(self) -> int:
        return getattr(settings, self.setting)


SIGNIN_ACCOUNT = Limit("signin-account", "RAPPORT_SIGNIN_ACCOUNT_FAILURES")
SIGNIN_ADDRESS = Limit("signin-address", "RAPPORT_SIGNIN_ADDRESS_FAILURES")
API_KEY_ADDRESS = Limit("api-key-address", "RAPPORT_API_KEY_ADDRESS_FAILURES")


def _now() -> float:
    return time.time()


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind RAPPORT_PROXY_COUNT proxies.

    Only the entries the trusted proxies appended are read, so a client cannot pick its own
    address (and so its throttling or rate limit bucket) by sending the header itself.
    """
    if request is None:
        return ""
    proxies = settings.RAPPORT_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.headers.get("X-Forwarded-For", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _key(limit: Limit, subject: str, part: str) -> str:
    # Hashed: user names may hold any character, and cache keys should not.
    digest = hashlib.sha256(subject.casefold().encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{limit.scope}:{digest}:{part}"


def _applies(limit: Limit, subject: str) -> bool:
    return bool(subject) and limit.failures > 0


def paused_for(limit: Limit, subject: str) -> int:
    """Seconds left of the pause on `subject` (an address, a user name); 0 when not paused."""
    if not _applies(limit, subject):
        return 0
    until = cache.get(_key(limit, subject, "paused"))
    if until is None:
        return 0
    return max(0, math.ceil(until - _now()))


def record_failure(limit: Limit, subject: str) -> None:
    """Count one failure for `subject`; reaching the limit starts a pause and clears the count."""
    if not _applies(limit, subject):
        return
    now = _now()
    window = settings.RAPPORT_THROTTLE_WINDOW_SECONDS
    count_key = _key(limit, subject, "failures")
    count, since = cache.get(count_key) or (0, now)
    count += 1
    if count < limit.failures:
        # The window starts at the first failure; the count expires with it.
        cache.set(count_key, (count, since), timeout=max(1, int(since + window - now)))
        return
    strikes_key = _key(limit, subject, "pauses")
    strikes = cache.get(strikes_key) or 0
    pause = min(settings.RAPPORT_THROTTLE_LOCKOUT_SECONDS * 2**strikes, LONGEST_PAUSE_SECONDS)
    cache.set(_key(limit, subject, "paused"), now + pause, timeout=pause)
    cache.set(strikes_key, strikes + 1, timeout=LONGEST_PAUSE_SECONDS)
    cache.delete(count_key)


def clear(limit: Limit, subject: str) -> None:
    """Forget the failures and earlier pauses of `subject` (after it proved itself)."""
    if subject:
        cache.delete_many([_key(limit, subject, "failures"), _key(limit, subject, "pauses")])


# --- Sign-in and API keys ------------------------------------------------------------------------


def signin_paused(*, username: str, address: str) -> bool:
    return bool(paused_for(SIGNIN_ACCOUNT, username) or paused_for(SIGNIN_ADDRESS, address))


def signin_failed(*, username: str, address: str) -> None:
    record_failure(SIGNIN_ACCOUNT, username)
    record_failure(SIGNIN_ADDRESS, address)


def signin_succeeded(*, username: str) -> None:
    clear(SIGNIN_ACCOUNT, username)


def api_key_paused_for(address: str) -> int:
    return paused_for(API_KEY_ADDRESS, address)


def api_key_failed(*, address: str) -> None:
    record_failure(API_KEY_ADDRESS, address)
