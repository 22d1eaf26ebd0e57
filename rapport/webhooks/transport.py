"""Calling a receiver's URL safely: signing, the SSRF rule, timeouts, a capped response.

Only http and https URLs are called. The host is resolved once; if ANY of its addresses is not
a public unicast address (private, loopback, link-local, shared, multicast, reserved,
unspecified, or such an IPv4 address inside an IPv6 one) the call is refused, unless the
subscription was allowed private targets by an administrator. The connection then goes to the
address that was checked, never to a second lookup of the name (a DNS answer changed between
the check and the connection cannot point it elsewhere). Redirects are not followed: a 3xx is
a failure, so a public URL cannot bounce the request to an internal one.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

SIGNATURE_HEADER = "Rapport-Signature"
EVENT_ID_HEADER = "Rapport-Event-Id"
EVENT_TYPE_HEADER = "Rapport-Event-Type"
USER_AGENT = "Rapport-Webhooks/1"
# What is kept of a receiver's answer (characters), and read of it at most (bytes).
EXCERPT_CHARS = 1000
READ_LIMIT = 8192
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(Exception):
    """The URL may not be called; the message says why, for the delivery log."""


@dataclass(frozen=True)
class CallResult:
    ok: bool
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Rapport-Signature` value: HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def encode_body(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(text: str) -> bool:
    """True for a global unicast address a webhook may reach without an administrator's leave."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(str(inner)):
            return False
    return not (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_url_syntax(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http or https URL; TargetRefused if not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("This is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(_("Only http and https URLs can be called."))
    if not parts.hostname:
        raise TargetRefused(_("The URL has no host name."))
    if parts.username or parts.password:
        raise TargetRefused(_("Put no user name or password in the URL."))
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise TargetRefused(_("This is not a valid URL."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def literal_address_refused(url: str) -> bool:
    """True when the URL names a non-public IP address literally, or localhost (checked when a
    subscription is saved; a name is resolved and checked again on every call)."""
    _scheme, host, _port, _path = check_url_syntax(url)
    if host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return not is_public_address(host)
    except ValueError:
        return False


def resolve_target(url: str, *, allow_private: bool) -> Target:
    scheme, host, port, path = check_url_syntax(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        message = _("The host name could not be resolved: %(error)s") % {"error": exc}
        raise TargetRefused(message) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(_("The host name could not be resolved."))
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise TargetRefused(
                    _(
                        "%(host)s resolves to %(address)s, a private or reserved address: only "
                        "an administrator can allow such a target."
                    )
                    % {"host": host, "address": address}
                )
    return Target(scheme, host, port, path, addresses)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while the Host header keeps the URL's name."""

    def __init__(self, host, port, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(
    url: str,
    body: dict,
    *,
    secret: str = "",
    event_id: str = "",
    event_type: str = "",
    allow_private: bool = False,
    timeout: float = 10,
    now: float | None = None,
) -> CallResult:
    """POST `body` to `url`, signed with `secret` (no signature without one). Never raises for a
    refused target, a network failure or an HTTP error: the result says what happened."""
    started = time.monotonic()

    def result(ok=False, status_code=None, excerpt="", error="") -> CallResult:
        duration = int((time.monotonic() - started) * 1000)
        return CallResult(ok, status_code, excerpt, error[:1000], duration)

    try:
        target = resolve_target(url, allow_private=allow_private)
    except TargetRefused as exc:
        return result(error=str(exc))
    data = encode_body(body)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id or str(uuid.uuid4()),
    }
    if event_type:
        headers[EVENT_TYPE_HEADER] = event_type
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, int(now if now is not None else time.time()), data)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    error = ""
    for address in target.addresses:
        connection = connection_class(target.host, target.port, address=address, timeout=timeout)
        try:
            connection.request("POST", target.path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read(READ_LIMIT)
            excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
            status = response.status
        except TimeoutError:
            error = _("No answer within %(seconds)s seconds.") % {"seconds": timeout}
            # Another address of the same host would most likely keep us waiting as long.
            return result(error=error)
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue
        finally:
            connection.close()
        if 200 <= status < 300:
            return result(ok=True, status_code=status, excerpt=excerpt)
        if 300 <= status < 400:
            error = _("Redirects are not followed (to %(location)s).") % {
                "location": (response.getheader("Location") or "")[:300]
            }
        else:
            error = _("The receiver answered %(status)d.") % {"status": status}
        return result(status_code=status, excerpt=excerpt, error=error)
    return result(error=error)
