"""Which URLs a webhook may call (SSRF), and `webhook_call` for the automation app."""

import time

import pytest
from django.conf import settings

from rapport.core.errors import ValidationFailed
from rapport.webhooks import services
from rapport.webhooks.transport import TargetRefused, is_public_address, resolve_target, sign

REFUSED = [
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/x",
    "http://localhost/",  # a name resolving to 127.0.0.1 (and ::1)
    "http://localhost./",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0.0.0.0/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata, link-local
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://[::ffff:a00:1]/",  # IPv4-mapped 10.0.0.1
    "http://[fe80::1]/",  # link-local
    "http://[fc00::1]/",  # unique local
    "http://[ff02::1]/",  # multicast
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_reserved_targets_are_refused(url):
    with pytest.raises(TargetRefused):
        resolve_target(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "http://", "http://u:p@h/"]
)
def test_only_plain_http_and_https_urls_are_called(url):
    with pytest.raises(TargetRefused):
        resolve_target(url, allow_private=True)


def test_an_administrator_may_allow_a_private_target():
    target = resolve_target("http://localhost:8080/hook?x=1", allow_private=True)

    assert target.port == 8080 and target.path == "/hook?x=1"
    assert "127.0.0.1" in target.addresses or "::1" in target.addresses


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(address)


def test_webhook_call_refuses_the_local_receiver_without_leave(receiver):
    result = services.webhook_call(url=receiver.url, body={"hello": "world"}, secret="s" * 20)

    assert not result.ok
    assert "private or reserved address" in result.error
    assert receiver.requests == []


def test_webhook_call_to_a_name_resolving_to_loopback_is_refused(receiver):
    url = receiver.url.replace("127.0.0.1", "localhost")

    result = services.webhook_call(url=url, body={"hello": "world"})

    assert not result.ok and receiver.requests == []


def test_webhook_call_signs_like_a_delivery(receiver):
    result = services.webhook_call(
        url=receiver.url,
        body={"id": "run-7-step-2", "type": "rule.action", "order": 12},
        secret=receiver.secret,
        allow_private=True,
    )

    [request] = receiver.requests
    assert result.ok and result.status_code == 200 and result.duration_ms >= 0
    assert request.signature_ok
    assert request.headers["Rapport-Event-Id"] == "run-7-step-2"
    assert request.json == {"id": "run-7-step-2", "type": "rule.action", "order": 12}


def test_webhook_call_never_raises_on_a_refused_connection(closed_port_url):
    result = services.webhook_call(url=closed_port_url, body={}, allow_private=True, timeout=1)

    assert not result.ok and result.status_code is None and result.error


def test_webhook_call_reports_a_500_with_the_excerpt(receiver):
    receiver.answer = 500

    result = services.webhook_call(url=receiver.url, body={}, allow_private=True)

    assert not result.ok and result.status_code == 500
    assert result.excerpt.startswith('{"received": true')


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://[::1]:9000/", "http://localhost/"])
def test_a_subscription_to_a_literal_private_address_is_refused_when_saved(admin_user, url):
    with pytest.raises(ValidationFailed) as refused:
        services.subscription_create(
            actor=admin_user,
            data={"name": "Internal", "url": url, "event_types": ["person.created"]},
        )

    assert "url" in refused.value.details


@pytest.mark.django_db
def test_only_an_administrator_may_allow_private_targets(diana):
    with pytest.raises(Exception) as refused:
        services.subscription_create(
            actor=diana,
            data={
                "name": "Internal",
                "url": "http://10.0.0.5/",
                "event_types": ["person.created"],
                "allow_private": True,
            },
        )

    assert refused.value.status == 403


def _documented_verify():
    """The receiver's `verify` exactly as docs/webhooks.md shows it."""
    text = (settings.BASE_DIR / "docs" / "webhooks.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_receiver_check_accepts_a_real_request_and_refuses_a_replay(receiver):
    verify = _documented_verify()
    services.webhook_call(
        url=receiver.url, body={"id": "e1"}, secret=receiver.secret, allow_private=True
    )
    [request] = receiver.requests
    header = request.headers["Rapport-Signature"]
    stale = sign(receiver.secret, int(time.time()) - 301, request.body)

    assert verify(receiver.secret, header, request.body)
    assert not verify(receiver.secret, header, request.body + b" ")
    assert not verify("another secret", header, request.body)
    assert not verify(receiver.secret, stale, request.body)
