"""The main navigation: its groups, their links, who sees each one, and which one is active.

One list, rendered by templates/base.html (a menu per group, a plain link for a group of one),
so that a new page is reachable once it has its line here. A link is active when the current
view's name matches one of its patterns; the longest matching pattern wins, so that
`sales:lead_scoring_rule_*` (Settings) beats `sales:lead_*` (Sales).
"""

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapport.accounts.access import can_manage_settings
from rapport.accounts.models import Role
from rapport.chat.selectors import chats_waiting
from rapport.core.reversing import url_for


def _everyone(user) -> bool:
    return True


def _waiting_chats(user) -> int:
    """For agents (and administrators), the chats waiting for one: any of them may take one.
    One COUNT on the chats' (status, started_at) index; nothing for the other roles."""
    if not (user.is_administrator or user.role == Role.SERVICE_AGENT):
        return 0
    return chats_waiting().count()


def _user_admin(user) -> bool:
    # Users and teams are kept in the Django admin, which lets in staff with the permission
    # (a superuser has it without a query).
    return user.is_active and user.is_staff and user.has_perm("accounts.view_user")


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url_name: str
    # View names (fnmatch patterns) for which this link is the current page.
    matches: tuple[str, ...]
    testid: str = ""
    visible: Callable = _everyone
    # A number shown next to the label (and its group's), when not 0: user -> int.
    badge: Callable | None = None


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    links: tuple[Link, ...]
    visible: Callable = _everyone


NAVIGATION: tuple[Group | Link, ...] = (
    Link(_("Home"), "web:home", ("web:home",), testid="nav-home"),
    Group(
        "customers",
        _("Customers"),
        (
            Link(_("Persons"), "customers:person_list", ("customers:person_*",), "nav-persons"),
            Link(
                _("Companies"), "customers:company_list", ("customers:company_*",), "nav-companies"
            ),
            Link(
                _("Interactions"),
                "activities:interaction_list",
                ("activities:interaction_*",),
                "nav-interactions",
            ),
        ),
    ),
    Group(
        "sales",
        _("Sales"),
        (
            Link(_("Leads"), "sales:lead_list", ("sales:lead_*",), "nav-leads"),
            Link(
                _("Deals"), "sales:kanban_default", ("sales:deal_*", "sales:kanban*"), "nav-deals"
            ),
            Link(_("Orders"), "sales:order_list", ("sales:order_*",), "nav-orders"),
            Link(_("Receivables"), "sales:receivables", ("sales:receivables",), "nav-receivables"),
            Link(_("Products"), "sales:product_list", ("sales:product_*",), "nav-products"),
            Link(
                _("Price lists"),
                "sales:price_list_list",
                ("sales:price_list_*",),
                "nav-price-lists",
            ),
        ),
    ),
    Group(
        "service",
        _("Service"),
        (
            Link(
                _("Tickets"),
                "service:ticket_list",
                ("service:ticket_*", "service:canned_reply_insert", "service:attachment_*"),
                "nav-tickets",
            ),
            Link(_("My tickets"), "service:my_tickets", ("service:my_*",), "nav-my-tickets"),
            Link(_("Team queue"), "service:team_queue", ("service:team_queue*",), "nav-queue"),
            Link(
                _("Service dashboard"),
                "analytics:service_dashboard",
                ("analytics:service_dashboard",),
                "nav-service-dashboard",
            ),
            Link(
                _("Canned replies"),
                "service:canned_reply_list",
                ("service:canned_reply_list", "service:canned_reply_edit"),
                "nav-canned-replies",
            ),
            Link(_("Chats"), "chat:inbox", ("chat:*",), "nav-chats", badge=_waiting_chats),
            Link(_("Knowledge base"), "knowledge:article_list", ("knowledge:*",), "nav-knowledge"),
        ),
    ),
    Group(
        "reports",
        _("Reports"),
        (
            Link(
                _("Dashboards"),
                "analytics:dashboards",
                ("analytics:dashboards", "analytics:dashboard"),
                "nav-dashboards",
            ),
            Link(_("Forecast"), "sales:forecast", ("sales:forecast",), "nav-forecast"),
            Link(_("Funnel"), "sales:funnel", ("sales:funnel",), "nav-funnel"),
            Link(
                _("Lost reasons"),
                "sales:lost_reasons_report",
                ("sales:lost_reasons_report",),
                "nav-lost-reasons-report",
            ),
            Link(_("Leaderboard"), "sales:leaderboard", ("sales:leaderboard",), "nav-leaderboard"),
            Link(_("Quotas"), "sales:quota_list", ("sales:quota_*",), "nav-quotas"),
            Link(_("Satisfaction"), "surveys:reports", ("surveys:reports",), "nav-satisfaction"),
            Link(_("SLA report"), "service:sla_report", ("service:sla_report",), "nav-sla-report"),
            Link(
                _("Complaints"),
                "service:complaint_report",
                ("service:complaint_report",),
                "nav-complaint-report",
            ),
            Link(
                _("Report builder"),
                "analytics_reports:builder",
                (
                    "analytics_reports:builder",
                    "analytics_reports:growth",
                    "analytics_reports:pareto",
                ),
                "nav-report-builder",
            ),
            Link(
                _("Saved reports"),
                "analytics_reports:saved_list",
                ("analytics_reports:saved_*",),
                "nav-saved-reports",
            ),
            Link(_("Key figures"), "analytics_kpis:kpis", ("analytics_kpis:kpis",), "nav-kpis"),
            Link(
                _("Cohorts"), "analytics_kpis:cohorts", ("analytics_kpis:cohorts",), "nav-cohorts"
            ),
            Link(
                _("Customer value"),
                "analytics_value:overview",
                ("analytics_value:overview", "analytics_value:profit", "analytics_value:expense_*"),
                "nav-customer-value",
            ),
            Link(
                _("Churn risk"),
                "analytics_churn:at_risk",
                ("analytics_churn:at_risk", "analytics_churn:model"),
                "nav-churn",
            ),
        ),
    ),
    Link(_("Tasks"), "activities:task_list", ("activities:task_*",), testid="nav-tasks"),
    Group(
        "data",
        _("Data"),
        (
            Link(_("Overview"), "dataio:home", ("dataio:home",), "nav-data"),
            Link(_("Import"), "dataio:imports", ("dataio:import*",), "nav-imports"),
            Link(
                _("Duplicates"),
                "dataio:duplicate_list",
                (
                    "dataio:duplicate*",
                    "dataio:merge_pick_*",
                    "dataio:merge_persons",
                    "dataio:merge_companies",
                ),
                "nav-duplicates",
            ),
            Link(_("Merge history"), "dataio:merge_list", ("dataio:merge_list",), "nav-merges"),
            Link(_("Export history"), "dataio:export_log", ("dataio:export_*",), "nav-exports"),
            Link(_("Data health"), "dataio:health", ("dataio:health",), "nav-health"),
            Link(
                _("Backups"),
                "dataio:backups",
                ("dataio:backups",),
                "nav-backups",
                visible=can_manage_settings,
            ),
        ),
    ),
    Group(
        "settings",
        _("Settings"),
        (
            Link(
                _("Custom fields"),
                "customers:custom_field_list",
                ("customers:custom_field_*",),
                "nav-custom-fields",
            ),
            Link(_("Tags"), "customers:tag_list", ("customers:tag_*",), "nav-tags"),
            Link(
                _("Pipelines"),
                "sales:pipeline_settings",
                ("sales:pipeline_*", "sales:stage_*"),
                "nav-pipelines",
            ),
            Link(
                _("Lost reasons"),
                "sales:lost_reason_settings",
                ("sales:lost_reason_settings", "sales:lost_reason_toggle"),
                "nav-lost-reason-settings",
            ),
            Link(
                _("Exchange rates"),
                "sales:exchange_rates",
                ("sales:exchange_rate*",),
                "nav-exchange-rates",
            ),
            Link(_("Web forms"), "sales:lead_form_list", ("sales:lead_form_*",), "nav-lead-forms"),
            Link(
                _("Website tracking"),
                "behaviour:site_key_list",
                ("behaviour:site_key_*", "behaviour:event_*"),
                "nav-site-keys",
            ),
            Link(
                _("Inbound e-mail"),
                "inbox:inbound_list",
                ("inbox:inbound_*",),
                "nav-inbound",
            ),
            Link(
                _("Scoring rules"),
                "sales:lead_scoring_rule_list",
                ("sales:lead_scoring_rule_*",),
                "nav-lead-scoring",
            ),
            Link(
                _("Assignment rules"),
                "sales:lead_assignment_rule_list",
                ("sales:lead_assignment_rule_*",),
                "nav-lead-assignment",
            ),
            Link(
                _("Ticket categories"),
                "service:category_list",
                ("service:category_*",),
                "nav-ticket-categories",
            ),
            Link(
                _("Ticket assignment rules"),
                "service:assignment_rule_list",
                ("service:assignment_rule_*", "service:agent_*"),
                "nav-ticket-assignment",
            ),
            Link(
                _("Support forms"),
                "service:support_form_list",
                ("service:support_form_*",),
                "nav-support-forms",
            ),
            Link(
                _("Service levels"),
                "service:sla_policy_list",
                (
                    "service:sla_policy_*",
                    "service:business_hours_*",
                    "service:holiday_calendar_*",
                ),
                "nav-sla-settings",
            ),
            Link(
                _("Webhooks"),
                "webhooks:subscription_list",
                ("webhooks:*",),
                "nav-webhooks",
            ),
            Link(_("Outbox"), "messaging:message_list", ("messaging:message_*",), "nav-outbox"),
            Link(
                _("E-mail templates"),
                "messaging:template_list",
                ("messaging:template_*",),
                "nav-email-templates",
            ),
            Link(
                _("Suppression list"),
                "messaging:suppression_list",
                ("messaging:suppression_*",),
                "nav-suppressions",
            ),
            Link(
                _("Automation"),
                "automation:rule_list",
                ("automation:rule_*", "automation:preset_*"),
                "nav-automation",
            ),
            Link(
                _("Users and teams"),
                "admin:accounts_user_changelist",
                (),
                "nav-users",
                visible=_user_admin,
            ),
            Link(_("Surveys"), "surveys:survey_list", ("surveys:survey_*",), "nav-surveys"),
            Link(
                _("Dashboard layouts"),
                "analytics:layout_settings",
                ("analytics:layout_settings",),
                "nav-dashboard-layouts",
            ),
            Link(
                _("Customer value"),
                "analytics_value:settings",
                ("analytics_value:settings",),
                "nav-value-settings",
            ),
            Link(
                _("Lifetime value model"),
                "analytics_lifetime:model",
                ("analytics_lifetime:*",),
                "nav-lifetime-model",
            ),
            Link(
                _("Churn settings"),
                "analytics_churn:settings",
                ("analytics_churn:settings",),
                "nav-churn-settings",
            ),
            Link(_("Audit log"), "accounts:audit_log", ("accounts:audit_log",), "audit-log-link"),
        ),
        visible=can_manage_settings,
    ),
)


@dataclass
class ShownLink:
    label: str | Promise
    url: str
    testid: str
    active: bool = False
    badge: int = 0


@dataclass
class ShownEntry:
    """A group with its visible links, or (`links` empty) a plain link."""

    key: str
    label: str | Promise
    url: str = ""
    testid: str = ""
    links: list[ShownLink] | None = None
    active: bool = False
    # The sum of its links' badges: what the menu shows while closed.
    badge: int = 0


def _match_length(link: Link, view_name: str) -> int:
    return max(
        (len(pattern.rstrip("*")) for pattern in link.matches if fnmatchcase(view_name, pattern)),
        default=0,
    )


def navigation_for(user, view_name: str) -> list[ShownEntry]:
    """The entries `user` sees, the one holding the page of `view_name` marked active.

    Groups with no visible link are left out. No query is made, except the permission check
    of the users-and-teams link for staff who are not superusers (cached on the user) and, for
    agents and administrators, the one COUNT of the waiting chats' badge.
    """
    best, best_length = None, 0
    for entry in NAVIGATION:
        links = entry.links if isinstance(entry, Group) else (entry,)
        for link in links:
            length = _match_length(link, view_name)
            if length > best_length:
                best, best_length = link, length

    shown: list[ShownEntry] = []
    for entry in NAVIGATION:
        if isinstance(entry, Link):
            if entry.visible(user):
                shown.append(
                    ShownEntry(
                        key=entry.url_name,
                        label=entry.label,
                        url=url_for(entry.url_name),
                        testid=entry.testid,
                        active=entry is best,
                        badge=entry.badge(user) if entry.badge else 0,
                    )
                )
            continue
        if not entry.visible(user):
            continue
        links = [
            ShownLink(
                link.label,
                url_for(link.url_name),
                link.testid,
                active=link is best,
                badge=link.badge(user) if link.badge else 0,
            )
            for link in entry.links
            if link.visible(user)
        ]
        if links:
            shown.append(
                ShownEntry(
                    key=entry.key,
                    label=entry.label,
                    testid=f"nav-group-{entry.key}",
                    links=links,
                    active=any(link.active for link in links),
                    badge=sum(link.badge for link in links),
                )
            )
    return shown
