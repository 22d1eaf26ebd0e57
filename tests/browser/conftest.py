"""Playwright fixtures: Debian's Chromium driving the real HTTP server of `live_server`.

Playwright's sync API runs an asyncio loop in the test's thread, which makes Django refuse ORM
calls from that thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set; the tests only use the ORM to
arrange data and check results, never concurrently with a request.
"""

import contextlib
import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import PASSWORD

CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Browser:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    faults = script_faults(page)
    yield page
    # Let the page's last requests (htmx panels loading, a search as you type) finish before
    # the database is emptied: a request still reading while the test's flush truncates the
    # tables deadlocks on PostgreSQL.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
    assert faults == [], "the pages broke their Content-Security-Policy or threw script errors"


def script_faults(page: Page) -> list[str]:
    """Collects what the pages' scripts must never do: break the Content-Security-Policy (an
    inline script, an evaluated string), throw an uncaught error, or fail an Alpine expression.
    A console error of another kind (a 4xx an htmx request was meant to get) is not a fault."""
    faults: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Alpine Expression Error" in text:
            faults.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: faults.append(f"{page.url}: {error}"))
    return faults


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()


def wait_for_htmx_idle(page: Page) -> None:
    """Wait until the page has loaded htmx and it has no request in flight.

    htmx marks busy elements with .htmx-request. Before the load event htmx may not have
    bound its handlers yet, so a click then would post the form the old way."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && window.htmx !== undefined"
        " && document.querySelectorAll('.htmx-request').length === 0"
    )


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def open_board(page, pipeline):
    page.goto(reverse("sales:kanban", args=[pipeline.pk]))
    expect(page.get_by_test_id("kanban")).to_have_attribute("data-ready", "true")
    wait_for_htmx_idle(page)
    expect(page.get_by_test_id("deal-card").first).to_be_visible()


def drag(page, card, target) -> None:
    """Drag with the mouse the way a person does (SortableJS runs in fallback mode)."""
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 10)
    page.mouse.down()
    target_box = target.bounding_box()
    # Several small steps: SortableJS starts dragging after a few pixels of movement.
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 20, steps=5)
    x, y = target_box["x"] + target_box["width"] / 2, target_box["y"] + 30
    page.mouse.move(x, y, steps=20)
    # Linger over the target like a person does, so SortableJS sees it once its animations end.
    page.wait_for_timeout(250)
    page.mouse.move(x + 2, y + 2, steps=2)
    page.wait_for_timeout(100)
    page.mouse.up()
