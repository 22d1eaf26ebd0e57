"""HTML pages listing tickets: the list with its filters, the agent's own tickets, the team's
queue with bulk assignment, and the form that opens a ticket (from a customer's or an order's
page, or a call logged by an agent).

Views stay thin: read input, call one selector or service (which apply `rapport.service.access`),
render. Another team's ticket is never listed; a customer the user may not open is not named.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.saved_view_views import saved_views_state
from rapport.accounts.selectors import users_for_filters
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import NotFound
from rapport.core.forms import save_form
from rapport.core.htmx import found_or_404, int_or_none, page_or_first
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.selectors.orders import get_order_for_user
from rapport.service import selectors_pages as pages
from rapport.service import services
from rapport.service.forms import BulkAssignForm, TicketForm, category_choices
from rapport.service.models import (
    OPEN_STATUSES,
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from rapport.service.selectors import ANY_OPEN, TicketFilters

SORT_CHOICES = (
    ("-updated_at", gettext_lazy("Recently updated")),
    ("updated_at", gettext_lazy("Least recently updated")),
    ("-created_at", gettext_lazy("Newest")),
    ("created_at", gettext_lazy("Oldest")),
)


# --- List ----------------------------------------------------------------------------------------


def _filters(request) -> TicketFilters:
    get = request.GET
    status = get.get("status", "")
    assignee = get.get("assignee_id", "")
    return TicketFilters(
        status=[status] if status in TicketStatus.values else [],
        open_only=status == ANY_OPEN,
        type=get.get("type", "") if get.get("type") in TicketType.values else "",
        priority=get.get("priority", "") if get.get("priority") in TicketPriority.values else "",
        channel=get.get("channel", "") if get.get("channel") in TicketChannel.values else "",
        team_id=int_or_none(get.get("team_id")),
        assignee_id=request.user.pk if assignee == "me" else int_or_none(assignee),
        unassigned=assignee == "none",
        category_id=int_or_none(get.get("category_id")),
        person_id=int_or_none(get.get("person_id")),
        company_id=int_or_none(get.get("company_id")),
        order_id=int_or_none(get.get("order_id")),
        created_from=parse_date_or(get.get("created_from")),
        created_to=parse_date_or(get.get("created_to")),
        resolved_from=parse_date_or(get.get("resolved_from")),
        resolved_to=parse_date_or(get.get("resolved_to")),
    )


def _customer_named(user, filters: TicketFilters):
    """The person or company the list is narrowed to, to name it in the title."""
    try:
        if filters.person_id:
            return get_person_for_user(user, filters.person_id)
        if filters.company_id:
            return get_company_for_user(user, filters.company_id)
    except NotFound:
        return None
    return None


@login_required
@require_GET
def ticket_list(request):
    saved_views = saved_views_state(request, "tickets")
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    filters = _filters(request)
    q = request.GET.get("q", "").strip()[:200]
    sort = pages.list_sort(request.GET.get("sort"))
    queryset, partitions = pages.tickets_page_query(request.user, filters, q=q)
    page = page_or_first(
        queryset,
        sort=sort,
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
        partitions=partitions,
    )
    pages.mark_customers(request.user, page)
    filtered = bool(q) or any(
        request.GET.get(name) for name in ("status", "priority", "type", "channel", "category_id")
    )
    filtered = filtered or any(
        request.GET.get(name)
        for name in (
            "team_id",
            "assignee_id",
            "person_id",
            "company_id",
            "created_from",
            "created_to",
            "resolved_from",
            "resolved_to",
        )
    )
    return render(
        request,
        "service/ticket_list.html",
        {
            "page": page,
            "sort": sort,
            "q": q,
            "filters": filters,
            "status_param": request.GET.get("status", ""),
            "assignee_param": request.GET.get("assignee_id", ""),
            "filtered": filtered,
            "customer": _customer_named(request.user, filters),
            "statuses": TicketStatus.choices,
            "priorities": TicketPriority.choices,
            "types": TicketType.choices,
            "channels": TicketChannel.choices,
            "categories": category_choices(),
            "assignees": users_for_filters(request.user),
            "teams": pages.queue_teams(request.user),
            "sort_choices": SORT_CHOICES,
            **saved_views.context(),
        },
    )


# --- The agent's and the team's work -----------------------------------------------------------


@login_required
@require_GET
def my_tickets(request):
    tickets = pages.my_tickets_by_urgency(request.user)
    pages.mark_customers(request.user, tickets)
    return render(
        request,
        "service/my_tickets.html",
        {"tickets": tickets, "limit": pages.WORK_LIST_LIMIT},
    )


def _queue_team(request):
    """The queue shown: the one asked for among those the user may see, else their own."""
    teams = list(pages.queue_teams(request.user))
    wanted = int_or_none(request.GET.get("team_id") or request.POST.get("team_id"))
    for team in teams:
        if team.pk == wanted:
            return team, teams
    if wanted is not None:
        raise NotFound(_("Team not found."))
    own = [t for t in teams if t.pk == request.user.team_id]
    return (own or teams or [None])[0], teams


def _queue_context(request, team, teams, form=None) -> dict:
    tickets = pages.team_queue_by_urgency(team) if team is not None else []
    pages.mark_customers(request.user, tickets)
    agents = pages.team_agents(team.pk if team is not None else None)
    return {
        "team": team,
        "teams": teams,
        "tickets": tickets,
        "agents": agents,
        "form": form or BulkAssignForm(agents=agents),
        "unassigned": sum(1 for t in tickets if t.assignee_id is None),
        "limit": pages.WORK_LIST_LIMIT,
    }


@login_required
@require_GET
def team_queue(request):
    team, teams = found_or_404(_queue_team, request)
    return render(request, "service/queue.html", _queue_context(request, team, teams))


@login_required
@require_POST
def team_queue_assign(request):
    """Bulk assign the ticked tickets of the queue to one agent of the team (or to nobody)."""
    team, teams = found_or_404(_queue_team, request)
    if team is None:
        return redirect("service:team_queue")
    agents = pages.team_agents(team.pk)
    form = BulkAssignForm(request.POST, agents=agents)
    count = save_form(
        form,
        lambda: services.tickets_assign_bulk(
            actor=request.user,
            ticket_ids=request.POST.getlist("ticket_ids"),
            assignee_id=form.cleaned_data["assignee_id"] or None,
        ),
    )
    if count is None:
        return render(
            request, "service/queue.html", _queue_context(request, team, teams, form=form)
        )
    messages.success(
        request,
        ngettext("%(count)d ticket assigned.", "%(count)d tickets assigned.", count)
        % {"count": count},
    )
    return redirect(f"{reverse('service:team_queue')}?team_id={team.pk}")


# --- New ticket ----------------------------------------------------------------------------------


def _preset(user, get) -> tuple[dict, str]:
    """What a form opened from a customer's or an order's page starts with."""
    initial: dict = {}
    label = ""
    if get.get("channel") == TicketChannel.PHONE:
        initial["channel"] = TicketChannel.PHONE
    person_id = int_or_none(get.get("person_id"))
    company_id = int_or_none(get.get("company_id"))
    order_id = int_or_none(get.get("order_id"))
    if order_id:
        order = found_or_404(get_order_for_user, user, order_id)
        initial["order_id"] = order.pk
        person_id = person_id or order.person_id
        company_id = company_id or (None if order.person_id else order.company_id)
        initial["subject"] = _("About order %(number)s") % {"number": order.number}
    if person_id:
        person = found_or_404(get_person_for_user, user, person_id)
        initial["customer"], label = f"person:{person.pk}", person.full_name
    elif company_id:
        company = found_or_404(get_company_for_user, user, company_id)
        initial["customer"], label = f"company:{company.pk}", company.name
    return initial, label


def _posted_customer_label(user, value: str) -> str:
    kind, _sep, pk = value.partition(":")
    if not pk.isdigit():
        return ""
    try:
        if kind == "person":
            return get_person_for_user(user, int(pk)).full_name
        if kind == "company":
            return get_company_for_user(user, int(pk)).name
    except NotFound:
        return ""
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request):
    actor = request.user
    if request.method == "GET":
        initial, label = _preset(actor, request.GET)
        form = TicketForm(initial=initial, actor=actor, customer_label=label)
        order_id = initial.get("order_id")
    else:
        value = request.POST.get("customer", "")
        form = TicketForm(
            request.POST,
            request.FILES,
            actor=actor,
            customer_label=_posted_customer_label(actor, value),
        )
        order_id = int_or_none(request.POST.get("order_id"))

        def create():
            return services.ticket_create(
                actor=actor,
                data=form.to_data(),
                channel=form.cleaned_data["channel"],
                attachments=request.FILES.getlist("attachments"),
            )

        ticket = save_form(form, create)
        if ticket is not None:
            messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
            return redirect("service:ticket_detail", pk=ticket.pk)
    customer_value = form["customer"].value() or ""
    return render(
        request,
        "service/ticket_form.html",
        {
            "form": form,
            "customer_value": customer_value,
            "customer_label": form.customer_label,
            "order_id": order_id,
            "is_call": form["channel"].value() == TicketChannel.PHONE,
            "open_statuses": OPEN_STATUSES,
        },
    )
