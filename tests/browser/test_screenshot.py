"""The README's pictures: the home page of a sales manager on the demo data, and the 360° person
page with demo-like data. RAPPORT_SCREENSHOT=1 saves them under docs/images/.

RAPPORT_SCREENSHOT=1 .venv/bin/python -m pytest tests/browser/test_screenshot.py
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from rapport.accounts.models import User
from rapport.activities.services import interaction_create
from rapport.customers.services import (
    company_create,
    custom_field_create,
    person_create,
    tag_create,
)
from rapport.dataio.demo.demo_set import demo_load
from tests.browser.conftest import log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

README_IMAGE = Path(settings.BASE_DIR) / "docs" / "images" / "customer-page.png"
HOME_IMAGE = Path(settings.BASE_DIR) / "docs" / "images" / "home-page.png"
# The interface language of the picture; the data is Chinese either way. Rendering Chinese text
# needs a CJK font on the machine (Debian: fonts-wqy-microhei or fonts-noto-cjk).
SCREENSHOT_LANGUAGE = os.environ.get("RAPPORT_SCREENSHOT_LANGUAGE", "en")
SAVE_PICTURES = os.environ.get("RAPPORT_SCREENSHOT") == "1"
# ECharts animates its first drawing for about a second: the picture waits for it to end.
CHARTS_DRAWN = """() => [...document.querySelectorAll('[_echarts_instance_]')].every((element) => {
  const chart = window.echarts.getInstanceByDom(element);
  return chart && chart.getZr().animation.isFinished();
})"""


def _demo_person(admin_user, alice):
    custom_field_create(
        actor=admin_user,
        data={"record_type": "person", "key": "wechat", "label": "微信号", "field_type": "text"},
    )
    custom_field_create(
        actor=admin_user,
        data={
            "record_type": "person",
            "key": "level",
            "label": "客户等级",
            "field_type": "choice",
            "choices": ["A 重点", "B 普通", "C 观察"],
        },
    )
    vip = tag_create(actor=alice, data={"name": "VIP", "color": "#dc2626"})
    east = tag_create(actor=alice, data={"name": "华东区", "color": "#2563eb"})
    repeat = tag_create(actor=alice, data={"name": "老客户", "color": "#16a34a"})
    company = company_create(
        actor=alice,
        data={"name": "上海明远科技有限公司", "english_name": "Mingyuan Technology"},
    )
    person = person_create(
        actor=alice,
        data={
            "full_name": "张小伟",
            "given_name": "Xiaowei",
            "family_name": "Zhang",
            "gender": "male",
            "birthday": "1986-04-18",
            "industry": "工业自动化",
            "source": "trade_show",
            "lifecycle_stage": "repeat_customer",
            "phones": [
                {"number": "138 0013 8000", "label": "mobile", "is_primary": True},
                {"number": "021-6888 1234", "label": "work"},
            ],
            "emails": [{"email": "xiaowei.zhang@mingyuan.cn"}],
            "addresses": [
                {
                    "province": "上海市",
                    "city": "上海市",
                    "district": "浦东新区",
                    "street": "张江路 88 号",
                }
            ],
            "employments": [{"company_id": company.pk, "job_title": "采购总监"}],
            "tag_ids": [vip.pk, east.pk, repeat.pk],
            "custom": {"wechat": "zxw_1986", "level": "A 重点"},
            "preferences": "喜欢上午沟通；偏好邮件发送报价单。",
        },
    )
    now = timezone.now()
    for days_ago, channel, subject, content, outcome in [
        (21, "visit", "上门拜访：产线改造需求", "参观二号车间，确认三条产线需要升级。", "需求确认"),
        (14, "email", "发送方案与报价单 v1", "附件：自动化改造方案、报价单。", ""),
        (9, "meeting", "技术交流会", "与工程部讨论 PLC 选型，客户倾向国产方案。", "进入商务谈判"),
        (3, "call", "跟进报价反馈", "客户希望总价下调 5%，交期提前两周。", "待内部审批"),
        (0, "chat", "微信确认下周签约时间", "约定下周三上午在客户处签约。", "约定签约"),
    ]:
        interaction_create(
            actor=alice,
            person=person,
            data={
                "channel": channel,
                "subject": subject,
                "content": content,
                "outcome": outcome,
                "occurred_at": now - datetime.timedelta(days=days_ago, hours=2),
            },
        )
    return person


def test_person_page_shows_the_whole_customer(page, admin_user, alice, tmp_path):
    # Given a customer with contacts, tags, custom fields and a history
    person = _demo_person(admin_user, alice)
    alice.first_name, alice.last_name = "丽", "王"
    alice.language = SCREENSHOT_LANGUAGE
    alice.save()
    log_in(page, "alice")

    # When alice opens the 360° page
    page.goto(reverse("customers:person_detail", args=[person.pk]))

    # Then everything is on one screen: facts, tags, custom values and the timeline
    expect(page.get_by_test_id("person-name")).to_have_text("张小伟")
    expect(page.get_by_test_id("custom-values")).to_contain_text("zxw_1986")
    expect(page.get_by_test_id("person-facts")).to_contain_text("上海明远科技有限公司")
    expect(page.get_by_test_id("timeline").get_by_test_id("timeline-entry")).to_have_count(6)
    expect(page.get_by_test_id("log-interaction-form")).to_be_visible()
    wait_for_htmx_idle(page)

    target = README_IMAGE if SAVE_PICTURES else tmp_path / "p.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


def test_managers_home_page_on_the_demo_data(page, tmp_path, request):
    # Given the demo data set (at a fraction of its size unless the README's picture is
    # taken: what the test checks is there either way); 王芳 manages the first team
    if not SAVE_PICTURES:
        request.getfixturevalue("small_demo_set")
    demo_load(password=PASSWORD)
    User.objects.filter(username="wang.fang").update(language=SCREENSHOT_LANGUAGE)
    page.set_viewport_size({"width": 1366, "height": 1400})
    log_in(page, "wang.fang")

    # When she opens the home page, the overview of her team's work is drawn
    page.goto(reverse("web:home"))
    expect(page.get_by_test_id("home-scope")).to_have_attribute("data-scope", "team")
    for chart in ("home-forecast-chart", "home-stages-chart", "home-activity-chart"):
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("figure-deals-count")).not_to_have_text("0")
    wait_for_htmx_idle(page)
    page.wait_for_function(CHARTS_DRAWN)

    target = HOME_IMAGE if SAVE_PICTURES else tmp_path / "h.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
