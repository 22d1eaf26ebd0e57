"""Automation in a real browser: an administrator builds "person created with tag VIP → send an
e-mail template + a task for the owner" in the rule builder, a representative adds a VIP person,
and the jobs (run in-process) send the e-mail to a real SMTP server and give her the task."""

import email
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from playwright.sync_api import expect

from rapport.activities.models import Task
from rapport.automation.models import Rule, RuleRun, RunStatus
from rapport.customers.models import Person
from rapport.customers.services import tag_create
from rapport.messaging.services import email_template_create
from tests.browser.conftest import VIEWPORT, log_in, wait_for_htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Recorder:
    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that RAPPORT_EMAIL_URL points at."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{port}"
    settings.RAPPORT_EMAIL_RATE_PER_MINUTE = 0
    yield recorder
    controller.stop()


@pytest.fixture
def jobs_inline():
    """Jobs run in the process that queues them: the live server's, after the commit of the
    request that saved the person."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def test_a_rule_built_in_the_browser_mails_a_new_vip_and_gives_the_owner_a_task(
    page, browser, live_server, admin_user, alice, smtp_server, jobs_inline
):
    vip = tag_create(actor=admin_user, data={"name": "VIP"})
    template = email_template_create(
        actor=admin_user,
        data={
            "name": "VIP welcome",
            "subject_en": "Welcome, {{ person.name }}",
            "body_en": "Dear {{ person.name }}, {{ owner.name }} will look after you.",
            "subject_zh": "欢迎您，{{ person.name }}",
            "body_zh": "{{ person.name }}，您好！{{ owner.name }}将为您服务。",
        },
    )

    # Given the administrator on the rules page, reached from the navigation
    log_in(page, "admin")
    page.get_by_test_id("nav-group-settings").click()
    page.get_by_test_id("nav-automation").click()
    page.get_by_test_id("rule-new").click()
    builder = page.get_by_test_id("rule-builder")
    expect(builder.get_by_test_id("trigger-type")).to_have_value("record_created")

    # When she builds the rule one step at a time
    page.locator("#id_name").fill("VIP welcome")
    page.locator("#id_is_active").check()
    builder.get_by_test_id("trigger-record-type").select_option("person")
    builder.get_by_test_id("condition-add").click()
    condition = builder.get_by_test_id("condition")
    condition.get_by_test_id("condition-field").select_option("tags")
    condition.get_by_test_id("condition-op").select_option("contains")
    condition.get_by_test_id("condition-value").fill("VIP")
    builder.get_by_test_id("action-add").click()
    first = builder.get_by_test_id("action").nth(0)
    first.get_by_test_id("action-type").select_option("send_email")
    first.get_by_test_id("action-template").select_option(str(template.pk))
    builder.get_by_test_id("action-add").click()
    second = builder.get_by_test_id("action").nth(1)
    second.get_by_test_id("action-type").select_option("create_task")
    expect(second.get_by_test_id("action-template")).to_be_hidden()
    second.get_by_test_id("action-title").fill("Call the new VIP")
    second.get_by_test_id("action-due").fill("2")
    second.get_by_test_id("action-assignee").select_option("owner")
    builder.get_by_test_id("rule-save").click()

    # Then the rule's page says it in words
    expect(page.get_by_test_id("rule-trigger-words")).to_have_text("Person created")
    actions = page.get_by_test_id("rule-actions-words")
    expect(actions).to_contain_text("Send the e-mail “VIP welcome”")
    expect(actions).to_contain_text("Call the new VIP")
    rule = Rule.objects.get()
    assert rule.is_active
    assert rule.conditions["items"] == [{"field": "tags", "op": "contains", "value": "VIP"}]

    # And its dry run finds no VIP yet
    page.get_by_test_id("rule-dry-run").click()
    expect(page.get_by_test_id("dry-run-count")).to_have_text("Would act on 0 records now.")
    wait_for_htmx_idle(page)

    # When alice, in her own browser, adds a person tagged VIP
    alices = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="Asia/Shanghai"
    )
    try:
        alice_page = alices.new_page()
        log_in(alice_page, "alice")
        alice_page.goto(reverse("customers:person_create"))
        alice_page.locator("#id_full_name").fill("张伟")
        alice_page.get_by_test_id("add-emails").click()
        emails = alice_page.get_by_test_id("section-emails").locator("input[name$='-email']")
        emails.last.fill("zhang.wei@example.cn")
        alice_page.locator(f"input[name='tag_ids'][value='{vip.pk}']").check()
        alice_page.get_by_test_id("person-save").click()
        expect(alice_page.get_by_test_id("person-name")).to_have_text("张伟")
        wait_for_htmx_idle(alice_page)
    finally:
        alices.close()

    # Then the SMTP server received the template's e-mail for him
    person = Person.objects.get(full_name="张伟")
    assert len(smtp_server.received) == 1
    recipients, raw = smtp_server.received[0]
    assert recipients == ["zhang.wei@example.cn"]
    message = email.message_from_bytes(raw)
    assert "张伟" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    # And alice, his owner, has the task
    task = Task.objects.get()
    assert (task.title, task.assignee, task.person_id) == ("Call the new VIP", alice, person.pk)
    run = RuleRun.objects.get()
    assert (run.rule_id, run.record_id, run.status) == (rule.pk, person.pk, RunStatus.SUCCEEDED)

    # And the rule's log shows the run with both actions done
    page.goto(reverse("automation:rule_detail", args=[rule.pk]))
    run_row = page.get_by_test_id("run-row")
    expect(run_row).to_have_count(1)
    expect(run_row).to_contain_text("张伟")
    expect(run_row.get_by_test_id("run-step")).to_have_count(2)
