"""The website tracking snippet in a real browser, on a shop page of another origin.

A small HTTP server on 127.0.0.1 (another origin than Rapport's live server on localhost)
serves a shop's page that loads `rapport-track.js` from Rapport with a site key. A visitor
views the page and a product anonymously, then identifies with a customer's e-mail: the events
land joined to that person, as one visit on her timeline. A page with a wrong site key, or on
an origin the key does not allow, is refused.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.activities.models import TimelineEntry
from rapport.behaviour.models import Event, Visit
from rapport.behaviour.services import site_key_create
from rapport.customers.services import person_create
from tests.browser.conftest import VIEWPORT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>龙井茶礼盒 – 茶叶小店</title></head>
<body>
<h1>龙井茶礼盒</h1>
<button id="view" type="button">Show the product</button>
<form id="login"><input id="email" type="email"><button type="submit">Log in</button></form>
<p id="ready"></p>
<script src="{script}" data-endpoint="{endpoint}" defer></script>
<script>
document.getElementById("view").addEventListener("click", function () {{
  rapport.track("product_viewed", {{sku: "TEA-001", price: 388}});
  rapport.flush();
}});
document.getElementById("login").addEventListener("submit", function (event) {{
  event.preventDefault();
  rapport.identify({{email: document.getElementById("email").value}});
}});
window.addEventListener("load", function () {{
  document.getElementById("ready").textContent = rapport.loaded ? "ready" : "";
}});
</script>
</body></html>
"""


class _ShopHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        page = self.server.pages.get(self.path.split("?")[0])
        if page is None:
            self.send_error(404)
            return
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop():
    """A shop's web server on 127.0.0.1 (its origin: http://127.0.0.1:<port>)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ShopHandler)
    server.daemon_threads = True
    server.pages = {}
    server.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def shop_page(live_server, key: str) -> str:
    return SHOP_PAGE.format(
        script=f"{live_server.url}/static/js/rapport-track.js",
        endpoint=f"{live_server.url}{reverse('behaviour:collect', args=[key])}",
    )


@pytest.fixture
def shop_page_view(browser, shop):
    """A visitor's own browser (no Rapport session), opening the shop's pages."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def collect_answer(page, action):
    """Do `action` on the shop's page and return the status Rapport answered its events with."""
    with page.expect_response(lambda r: "/behaviour/collect/" in r.url) as answer:
        action()
    return answer.value.status


def test_anonymous_visitor_who_identifies_becomes_the_customers_visit(
    page, shop_page_view, shop, live_server, admin_user, alice
):
    customer = person_create(
        actor=alice, data={"full_name": "张伟", "emails": [{"email": "zhang.wei@example.com"}]}
    )
    site_key = site_key_create(
        actor=admin_user, data={"name": "茶叶小店", "allowed_origins": [shop.origin]}
    )
    shop.pages["/tea.html"] = shop_page(live_server, site_key.key)
    visitor = shop_page_view

    # The page view goes out by itself (within the snippet's 2 s batch), anonymously
    status = collect_answer(visitor, lambda: visitor.goto(f"{shop.origin}/tea.html"))
    assert status == 200
    expect(visitor.locator("#ready")).to_have_text("ready")
    assert collect_answer(visitor, lambda: visitor.click("#view")) == 200
    anonymous = list(Event.objects.order_by("id").values_list("name", "person_id"))
    assert anonymous == [("page_viewed", None), ("product_viewed", None)]

    # Then the visitor logs in on the shop with the customer's e-mail
    visitor.fill("#email", "zhang.wei@example.com")
    assert collect_answer(visitor, lambda: visitor.click("#login button")) == 200

    events = list(Event.objects.order_by("id").values_list("name", "person_id", "site_key_id"))
    assert events == [
        ("page_viewed", customer.pk, site_key.pk),
        ("product_viewed", customer.pk, site_key.pk),
        ("identified", customer.pk, site_key.pk),
    ]
    page_view = Event.objects.get(name="page_viewed")
    assert page_view.properties["path"] == "/tea.html"
    assert page_view.properties["title"] == "龙井茶礼盒 – 茶叶小店"
    assert len({e.anonymous_id for e in Event.objects.all()}) == 1
    visit = Visit.objects.get()
    assert (visit.person_id, visit.event_count) == (customer.pk, 3)
    entry = TimelineEntry.objects.get(person=customer, kind="behaviour.visit")
    assert visit.timeline_entry_id == entry.pk

    # And alice sees one visit on 张伟's timeline, with what was done on it
    log_in(page, "alice")
    page.goto(reverse("customers:person_detail", args=[customer.pk]))
    visits = page.get_by_test_id("timeline").locator("[data-kind='behaviour.visit']")
    expect(visits).to_have_count(1)
    expect(visits).to_contain_text("1 page viewed")
    expect(visits).to_contain_text("1 product viewed")


def test_a_wrong_site_key_or_another_website_is_refused(
    shop_page_view, shop, live_server, admin_user, caplog
):
    allowed_elsewhere = site_key_create(
        actor=admin_user,
        data={"name": "Another shop", "allowed_origins": ["https://other-shop.example.com"]},
    )
    wrong_key = "rsk_" + "x" * 24
    shop.pages["/wrong-key.html"] = shop_page(live_server, wrong_key)
    shop.pages["/not-allowed.html"] = shop_page(live_server, allowed_elsewhere.key)
    visitor = shop_page_view

    for path in ("/wrong-key.html", "/not-allowed.html"):
        # The refusal carries no CORS header, so the browser does not let the page read it.
        with visitor.expect_event(
            "requestfailed", predicate=lambda r: "/behaviour/collect/" in r.url
        ):
            visitor.goto(f"{shop.origin}{path}")

    answered = [
        (record.status_code, record.request.path.rsplit("/", 1)[-1])
        for record in caplog.records
        if record.name == "django.request"
    ]
    assert answered == [(404, wrong_key), (403, allowed_elsewhere.key)]
    assert not Event.objects.exists()
    assert not Visit.objects.exists()
