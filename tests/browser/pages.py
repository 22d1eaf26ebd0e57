"""Every page a user reaches from the navigation, for the page-wide browser check.

A new page is covered by adding one `Page` here: its URL name, how to fill the URL's arguments
from the seeded demo data, and which of the checked users may open it. The check
(tests/browser/test_every_page.py) visits each page as the administrator and as a
representative, in both languages, at a desktop and a phone width;
tests/browser/test_page_list.py fails when the navigation links to a page missing here.

Only this module and test_every_page.py import it; it must not import Playwright, so the
navigation test runs without a browser.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

ADMIN = "admin"
REP = "rep"
BOTH = frozenset({ADMIN, REP})
ADMIN_ONLY = frozenset({ADMIN})


@dataclass(frozen=True)
class Page:
    """One page: `url_name` reversed with `kwargs(objects)`, plus an optional query string.

    `objects` is the `SeededObjects` of test_every_page.py: records of the demo set the
    representative may see (the administrator sees everything).
    """

    url_name: str
    roles: frozenset = BOTH
    kwargs: Callable[[Any], dict] | None = None
    query: str = ""
    # What tells that the page has drawn what it loads after the first response (a chart, an
    # htmx panel); the check waits for it before measuring.
    ready: str = ""
    notes: str = field(default="", compare=False)

    def path(self, objects) -> str:
        url = reverse(self.url_name, kwargs=self.kwargs(objects) if self.kwargs else None)
        return f"{url}?{self.query}" if self.query else url

    @property
    def id(self) -> str:
        return self.url_name + (f"?{self.query}" if self.query else "")


def _pk(name: str) -> Callable[[Any], dict]:
    return lambda objects: {"pk": getattr(objects, name).pk}


PAGES: tuple[Page, ...] = (
    # Home and search
    Page("web:home"),
    Page("web:search", query="q=%E5%BC%A0"),  # 张
    # Customers
    Page("customers:person_list"),
    Page("customers:person_create"),
    Page("customers:person_detail", kwargs=_pk("person"), ready="[data-testid=timeline]"),
    Page("customers:person_edit", kwargs=_pk("person")),
    # The demo set gives each owner's first person numbers an import kept as written.
    Page(
        "customers:person_raw_phone",
        kwargs=lambda objects: {"pk": objects.person.pk, "index": 0},
    ),
    Page("customers:company_list"),
    Page("customers:company_create"),
    Page("customers:company_detail", kwargs=_pk("company"), ready="[data-testid=timeline]"),
    Page("customers:company_edit", kwargs=_pk("company")),
    # Activities
    Page("activities:interaction_list"),
    Page("activities:task_list"),
    Page("activities:task_create"),
    Page("activities:task_detail", kwargs=_pk("task")),
    Page("activities:notification_list"),
    Page("activities:announcement_list"),
    Page("activities:announcement_create", roles=ADMIN_ONLY),
    # Leads
    Page("sales:lead_list"),
    Page("sales:lead_create"),
    Page("sales:lead_detail", kwargs=_pk("lead")),
    Page("sales:lead_edit", kwargs=_pk("lead")),
    Page("sales:lead_convert", kwargs=_pk("lead_open")),
    Page("sales:lead_scoring_rule_list", roles=ADMIN_ONLY),
    Page("sales:lead_scoring_rule_edit", roles=ADMIN_ONLY, kwargs=_pk("scoring_rule")),
    Page("sales:lead_assignment_rule_list", roles=ADMIN_ONLY),
    Page("sales:lead_assignment_rule_edit", roles=ADMIN_ONLY, kwargs=_pk("assignment_rule")),
    Page("sales:lead_form_list", roles=ADMIN_ONLY),
    Page("sales:lead_form_create", roles=ADMIN_ONLY),
    Page("sales:lead_form_edit", roles=ADMIN_ONLY, kwargs=_pk("lead_form")),
    Page("sales:lead_form_embed", roles=ADMIN_ONLY, kwargs=_pk("lead_form")),
    # Automation rules (the page check's seed switches on a ready-made rule)
    Page("messaging:message_list", roles=ADMIN_ONLY),
    Page("messaging:template_list", roles=ADMIN_ONLY),
    Page("messaging:template_create", roles=ADMIN_ONLY),
    Page("messaging:suppression_list", roles=ADMIN_ONLY),
    Page("inbox:inbound_list", roles=ADMIN_ONLY),
    Page("behaviour:site_key_list", roles=ADMIN_ONLY),
    Page("behaviour:site_key_create", roles=ADMIN_ONLY),
    Page("behaviour:event_list", roles=ADMIN_ONLY),
    Page("automation:rule_list", roles=ADMIN_ONLY),
    Page("automation:rule_create", roles=ADMIN_ONLY, ready="[data-testid=action-add]"),
    Page("automation:rule_detail", roles=ADMIN_ONLY, kwargs=_pk("rule")),
    Page("automation:rule_edit", roles=ADMIN_ONLY, kwargs=_pk("rule")),
    # Deals and their reports
    Page("sales:kanban_default", ready="[data-testid=kanban][data-ready=true]"),
    Page("sales:deal_list"),
    Page("sales:deal_create"),
    Page("sales:deal_detail", kwargs=_pk("deal")),
    Page("sales:deal_edit", kwargs=_pk("deal")),
    Page("sales:forecast", ready="[data-testid=forecast-chart] canvas"),
    Page("sales:funnel", ready="[data-testid=funnel-chart] canvas"),
    Page("sales:lost_reasons_report"),
    Page("sales:leaderboard"),
    Page("sales:quota_list"),
    Page("surveys:reports"),
    Page("analytics_reports:builder"),
    Page("analytics_reports:builder", query="preset=region_product_month"),
    Page("analytics_reports:saved_list"),
    Page("analytics_reports:growth"),
    Page("analytics_reports:pareto"),
    # A representative may see nothing in the range: then the page says so instead of a chart.
    Page("analytics_kpis:kpis", ready="[data-testid=kpi-grid] canvas, [data-testid=kpi-empty]"),
    Page(
        "analytics_kpis:cohorts",
        query="start=2025-01-01",
        ready="[data-testid=cohort-heatmap] canvas, [data-testid=cohort-empty]",
    ),
    # Customer values are computed by the nightly job: the small demo set, loaded through the
    # services, has those its orders' announcements queued, which the browser check never runs.
    Page(
        "analytics_value:overview",
        ready="[data-testid=value-segments] canvas, [data-testid=value-empty]",
    ),
    Page(
        "analytics_value:profit",
        ready="[data-testid=profit-curve] canvas, [data-testid=profit-empty]",
    ),
    Page("analytics_value:expense_list"),
    Page("analytics_value:settings", roles=ADMIN_ONLY),
    Page("analytics_churn:at_risk"),
    Page("analytics_churn:model", notes="untrained on the small demo: the not-trained state"),
    Page("analytics_churn:settings", roles=ADMIN_ONLY),
    Page(
        "analytics_lifetime:model",
        roles=ADMIN_ONLY,
        notes="too few repeat buyers in the small demo: no model yet, the fit form",
    ),
    # Service
    Page("service:ticket_list"),
    Page("service:my_tickets"),
    Page("service:team_queue"),
    Page("service:canned_reply_list"),
    Page("service:sla_report"),
    Page("service:complaint_report"),
    Page("analytics:service_dashboard"),
    # Dashboards: each user lands on their role's (a representative's, the executive's for an
    # administrator); the others an administrator may open too.
    Page("analytics:dashboards"),
    Page("analytics:dashboard", roles=ADMIN_ONLY, kwargs=lambda o: {"key": "manager"}),
    Page(
        "analytics:dashboard",
        roles=ADMIN_ONLY,
        kwargs=lambda o: {"key": "marketing"},
        query="by=month",
    ),
    Page("analytics:layout_settings", roles=ADMIN_ONLY),
    Page("chat:inbox"),
    Page("knowledge:article_list"),
    Page("service:ticket_detail", kwargs=_pk("ticket")),
    Page("knowledge:article_detail", kwargs=_pk("article")),
    # Orders and catalogue
    Page("sales:order_list"),
    Page("sales:order_create"),
    Page("sales:order_detail", kwargs=_pk("order")),
    Page("sales:receivables"),
    Page("sales:product_list"),
    Page("sales:product_create", roles=ADMIN_ONLY),
    Page("sales:product_edit", roles=ADMIN_ONLY, kwargs=_pk("product")),
    Page("sales:price_list_list"),
    Page("sales:price_list_create", roles=ADMIN_ONLY),
    Page("sales:price_list_detail", kwargs=_pk("price_list")),
    Page("sales:price_list_edit", roles=ADMIN_ONLY, kwargs=_pk("price_list")),
    # Data
    Page("dataio:home"),
    Page("dataio:imports"),
    Page("dataio:import_new"),
    Page("dataio:import_detail", kwargs=lambda objects: {"job_id": objects.import_job.pk}),
    Page("dataio:duplicate_list"),
    Page("dataio:merge_list"),
    Page(
        "dataio:merge_pick_person",
        kwargs=lambda objects: {"a": objects.person.pk},
    ),
    Page(
        "dataio:merge_persons",
        kwargs=lambda objects: {"a": objects.person.pk, "b": objects.person_twin.pk},
    ),
    Page("dataio:health"),
    Page("dataio:export_log"),
    Page("dataio:export_form", kwargs=lambda objects: {"record_type": "persons"}),
    Page("dataio:backups", roles=ADMIN_ONLY),
    # Settings
    Page("customers:custom_field_list", roles=ADMIN_ONLY),
    Page("customers:custom_field_create", roles=ADMIN_ONLY),
    Page("customers:custom_field_edit", roles=ADMIN_ONLY, kwargs=_pk("custom_field")),
    Page("customers:tag_list", roles=ADMIN_ONLY),
    Page("customers:tag_edit", roles=ADMIN_ONLY, kwargs=_pk("tag")),
    Page("sales:pipeline_settings", roles=ADMIN_ONLY),
    Page("sales:pipeline_edit", roles=ADMIN_ONLY, kwargs=_pk("pipeline")),
    Page("sales:lost_reason_settings", roles=ADMIN_ONLY),
    Page("sales:exchange_rates", roles=ADMIN_ONLY),
    Page("surveys:survey_list", roles=ADMIN_ONLY),
    Page("service:category_list", roles=ADMIN_ONLY),
    Page("service:assignment_rule_list", roles=ADMIN_ONLY),
    Page("service:support_form_list", roles=ADMIN_ONLY),
    Page("service:support_form_embed", roles=ADMIN_ONLY, kwargs=_pk("support_form")),
    Page("service:sla_policy_list", roles=ADMIN_ONLY),
    Page("service:business_hours_list", roles=ADMIN_ONLY),
    Page("service:holiday_calendar_list", roles=ADMIN_ONLY),
    Page("webhooks:subscription_list", roles=ADMIN_ONLY),
    Page("webhooks:subscription_create", roles=ADMIN_ONLY),
    # Users and teams live in the Django admin (shown to a superuser, as `make run` creates).
    Page("admin:accounts_user_changelist", roles=ADMIN_ONLY),
    # The user's own pages
    Page("accounts:profile"),
    Page("accounts:api_keys"),
    Page("accounts:password_change"),
    Page("accounts:audit_log", roles=ADMIN_ONLY),
)


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.roles]
