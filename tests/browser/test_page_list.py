"""The page list of the page-wide browser check (tests/browser/pages.py) keeps up with the
navigation: a page the navigation links to, and is missing from the list, fails here, without a
browser, so that no new page escapes the check. Also the check's language filter, on its own."""

from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from conftest import PASSWORD
from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from tests.browser.pages import ADMIN, PAGES, REP, pages_for
from tests.browser.test_every_page import Site, _language_faults


class _Links(HTMLParser):
    """The hrefs of the links in the page's top bar (everything before <main>), and of the
    data overview's panels when `inside_main` is set."""

    def __init__(self, *, inside_main: bool = False) -> None:
        super().__init__()
        self.inside_main = inside_main
        self.in_main = False
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "main":
            self.in_main = True
        if tag == "a" and self.in_main == self.inside_main:
            href = dict(attrs).get("href") or ""
            if href:
                self.hrefs.append(href)


def _linked_url_names(html: str, *, inside_main: bool = False) -> set[str]:
    parser = _Links(inside_main=inside_main)
    parser.feed(html)
    names = set()
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, an anchor, a javascript: or mailto: link
        try:
            names.add(resolve(parts.path).view_name)
        except Resolver404:
            pytest.fail(f"the navigation links to {href}, which no route answers")
    return names


@pytest.fixture
def users(db, alice):
    # The administrator as `make run` creates them: a superuser, who sees the most links.
    administrator = user_create(
        username="root", password=PASSWORD, role=Role.ADMINISTRATOR, is_superuser=True
    )
    return {ADMIN: administrator, REP: alice}


@pytest.mark.parametrize("role", [ADMIN, REP])
def test_every_page_the_navigation_links_to_is_in_the_page_list(client, users, role):
    client.force_login(users[role])
    html = client.get(reverse("accounts:profile")).content.decode()
    linked = _linked_url_names(html)
    assert len(linked) >= 5, "the top bar was not found in the page"

    missing = linked - {page.url_name for page in pages_for(role)}

    assert missing == set(), (
        f"add {sorted(missing)} to tests/browser/pages.py (the {role}'s navigation links to them)"
    )


@pytest.mark.parametrize("role", [ADMIN, REP])
def test_every_part_of_the_data_overview_is_in_the_page_list(client, users, role):
    client.force_login(users[role])
    html = client.get(reverse("dataio:home")).content.decode()

    missing = _linked_url_names(html, inside_main=True) - {p.url_name for p in pages_for(role)}

    assert missing == set(), f"add {sorted(missing)} to tests/browser/pages.py"


class _AnyRecords:
    """Stands for the seeded records: every one asked for has the primary key 1."""

    def __getattr__(self, name):
        return SimpleNamespace(pk=1)


def test_every_listed_page_has_a_route():
    for page in PAGES:
        path = urlsplit(page.path(_AnyRecords())).path
        assert resolve(path).view_name == page.url_name
    assert len({page.id for page in PAGES}) == len(PAGES), "a page is listed twice"


def _site(chinese=(), latin=()):
    return Site(chinese=set(chinese), latin=set(latin))


@pytest.mark.parametrize(
    "text",
    [
        "Reports",  # an untranslated menu
        "负责人 Owner",  # half translated
        "3 open orders",
        "用于 Emily Carter 的 Save view",  # data does not excuse the rest
    ],
)
def test_the_language_check_finds_english_chrome_in_chinese(text):
    assert _language_faults(_site(latin={"Emily Carter"}), "zh-hans", text)


@pytest.mark.parametrize(
    "text",
    [
        "Emily Carter",  # a name of the demo data
        "联系人：Emily Carter",
        "进销存基础版（每年） Inventory & ERP Basic, per year · 9,800.00 CNY",
        "导出 CSV 或 Excel",
        "请在请求头“Authorization: Bearer …”或“X-API-Key: …”中发送。",
        "键 full_name、phone、email、budget 和 message 填入线索对应字段",
        "邮箱 xiaowei.zhang@mingyuan.cn，网站 https://www.example-1.cn",
        "订单 SO-2026-0001 · 1,207,014.00 CNY",
        "由 manage.py backup 写入，目录：/work/main/var/backups",
    ],
)
def test_the_language_check_lets_data_and_codes_pass_in_chinese(text):
    product = "进销存基础版（每年） Inventory & ERP Basic, per year"
    assert not _language_faults(_site(latin={"Emily Carter", product}), "zh-hans", text)


def test_the_language_check_finds_chinese_chrome_in_english_but_not_chinese_data():
    site = _site(chinese={"张伟", "华东销售部"})

    assert _language_faults(site, "en", "负责人")
    assert _language_faults(site, "en", "Owner：张伟")  # a full-width colon is Chinese chrome
    assert not _language_faults(site, "en", "Owner: 张伟 · 华东销售部")
