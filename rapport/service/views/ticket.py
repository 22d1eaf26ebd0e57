"""The ticket page and what is done on it: reply or note, status, assignment, details, merge,
attachments and canned replies.

The forms post with htmx and get the page's main part back (`service/_ticket_main.html`), with
their field errors or the new state; without htmx a success redirects to the page and an error
renders the whole page. Each action is one service call, so a refused one saves nothing.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from rapport.core.errors import ApplicationError, NotFound
from rapport.core.forms import save_form
from rapport.core.htmx import found_or_404, int_or_none, is_htmx
from rapport.service import selectors, services
from rapport.service import selectors_pages as pages
from rapport.service.access import may_work_on_ticket
from rapport.service.forms import (
    AssignForm,
    MergeForm,
    ReplyForm,
    StatusForm,
    TicketEditForm,
)
from rapport.service.models import MessageKind, TicketStatus, TicketType
from rapport.service.panels import ticket_panels
from rapport.service.selectors_sla import ticket_sla_timers

# The status buttons offered from each status, in the order shown.
_FROM_OPEN = (
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.ON_HOLD,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)
STATUS_ACTIONS = {
    TicketStatus.NEW: _FROM_OPEN,
    TicketStatus.OPEN: _FROM_OPEN,
    TicketStatus.REOPENED: _FROM_OPEN,
    TicketStatus.WAITING_CUSTOMER: (TicketStatus.OPEN, *_FROM_OPEN[1:]),
    TicketStatus.ON_HOLD: (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, *_FROM_OPEN[2:]),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.REOPENED),
    TicketStatus.CLOSED: (TicketStatus.REOPENED,),
}


# What each status button says: the action, not the state it leads to.
STATUS_ACTION_LABELS = {
    TicketStatus.OPEN: pgettext_lazy("ticket action", "Back to work"),
    TicketStatus.WAITING_CUSTOMER: pgettext_lazy("ticket action", "Wait for the customer"),
    TicketStatus.ON_HOLD: pgettext_lazy("ticket action", "Put on hold"),
    TicketStatus.RESOLVED: pgettext_lazy("ticket action", "Resolve"),
    TicketStatus.CLOSED: pgettext_lazy("ticket action", "Close"),
    TicketStatus.REOPENED: pgettext_lazy("ticket action", "Reopen"),
}


def _assignable(user, ticket) -> list:
    """Whom the assign form offers: the ticket's team's members (an agent may also take it)."""
    agents = pages.team_agents(ticket.team_id)
    if not any(a.pk == user.pk for a in agents) and (user.team_id is None or user.is_administrator):
        # Someone outside the queue who works on it (an administrator) may take it themselves.
        user.is_away = False
        user.open_tickets = None
        agents.append(user)
    return agents


def _context(request, pk: int, *, keep_draft: bool = False, **forms) -> dict:
    user = request.user
    # The other forms send the reply box's text along (hx-include), so that changing the status
    # or the assignee does not lose a reply being written.
    draft = request.POST.get("body", "") if keep_draft and request.method == "POST" else ""
    detail = selectors.ticket_detail(user, pk)
    ticket = detail.ticket
    may_work = may_work_on_ticket(user, ticket)
    agents = _assignable(user, ticket) if may_work else []
    return {
        "detail": detail,
        "ticket": ticket,
        "conversation": detail.messages,
        "may_work": may_work,
        "is_complaint": ticket.type == TicketType.COMPLAINT,
        "status_actions": [
            (status, STATUS_ACTION_LABELS[status])
            for status in STATUS_ACTIONS.get(ticket.status, ())
        ],
        "follow_ups": detail.follow_ups,
        "canned_replies": list(selectors.canned_replies_for(user)) if may_work else [],
        "reply_form": forms.get("reply_form")
        or ReplyForm(initial={"kind": "reply" if may_work else "note", "body": draft}),
        "status_form": forms.get("status_form") or StatusForm(ticket=ticket),
        "assign_form": forms.get("assign_form") or AssignForm(ticket=ticket, agents=agents),
        "edit_form": forms.get("edit_form") or TicketEditForm(ticket=ticket),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "open_panel": forms.get("open_panel", ""),
        "notice": forms.get("notice", ""),
        "article_query": _article_query(ticket, detail.messages) if may_work else "",
        "kinds": MessageKind,
        "sla_timers": ticket_sla_timers(ticket),
        # What the apps above service add (rapport.service.panels), e.g. survey answers.
        "ticket_panels": ticket_panels(user, ticket),
    }


def _article_query(ticket, conversation) -> str:
    """What the knowledge base is asked for articles answering the ticket: its subject and the
    customer's first words."""
    first = next((m for m in conversation if m.kind == MessageKind.CUSTOMER_MESSAGE), None)
    return f"{ticket.subject}\n{first.body[:300] if first else ''}".strip()


def _answer(request, pk: int, *, done: str = "", keep_draft: bool = True, **forms):
    """After an action: htmx gets the main part; a plain post is redirected (done) or shown
    the whole page with the errors."""
    failed = not done
    if not is_htmx(request) and not failed:
        messages.success(request, done)
        return redirect("service:ticket_detail", pk=pk)
    context = _context(request, pk, notice=done, keep_draft=keep_draft, **forms)
    template = "service/_ticket_main.html" if is_htmx(request) else "service/ticket_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def ticket_detail(request, pk: int):
    context = found_or_404(_context, request, pk)
    return render(request, "service/ticket_detail.html", context)


def _ticket(request, pk: int):
    return found_or_404(selectors.get_ticket_for_user, request.user, pk)


@login_required
@require_POST
def ticket_reply(request, pk: int):
    """A public reply (e-mailed to the customer) or an internal note, by the form's tab."""
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    files = request.FILES.getlist("attachments")

    def send():
        if form.cleaned_data["kind"] == "note":
            return services.ticket_note(
                actor=request.user, ticket=ticket, body=form.cleaned_data["body"], attachments=files
            )
        return services.ticket_reply(
            actor=request.user, ticket=ticket, body=form.cleaned_data["body"], attachments=files
        )

    message = save_form(form, send)
    if message is None:
        return _answer(request, pk, reply_form=form)
    done = _("Note added.") if message.kind == MessageKind.INTERNAL_NOTE else _("Reply sent.")
    return _answer(request, pk, done=done, keep_draft=False)


@login_required
@require_POST
def ticket_status(request, pk: int):
    ticket = _ticket(request, pk)
    form = StatusForm(request.POST, ticket=ticket)
    status = request.POST.get("status", "")

    def change():
        return services.ticket_change_status(
            actor=request.user,
            ticket=ticket,
            status=status,
            root_cause=form.cleaned_data["root_cause"],
            resolution=form.cleaned_data["resolution"],
            goodwill_kind=form.cleaned_data["goodwill_kind"],
            goodwill=form.cleaned_data["goodwill"],
            version=form.cleaned_data["version"],
        )

    changed = save_form(form, change)
    if changed is None:
        return _answer(request, pk, status_form=form, open_panel="status")
    return _answer(
        request,
        pk,
        done=_("The ticket is now “%(status)s”.") % {"status": TicketStatus(status).label},
    )


@login_required
@require_POST
def ticket_assign(request, pk: int):
    ticket = _ticket(request, pk)
    form = AssignForm(request.POST, ticket=ticket, agents=_assignable(request.user, ticket))
    team_id = request.POST.get("team_id", "")

    def assign():
        return services.ticket_assign(
            actor=request.user,
            ticket=ticket,
            assignee_id=request.POST.get("assignee_id") or None,
            team_id=... if team_id == str(ticket.team_id or "") else (team_id or None),
        )

    assigned = save_form(form, assign)
    if assigned is None:
        return _answer(request, pk, assign_form=form, open_panel="assign")
    return _answer(request, pk, done=_("Assignment saved."))


@login_required
@require_POST
def ticket_edit(request, pk: int):
    ticket = _ticket(request, pk)
    form = TicketEditForm(request.POST, ticket=ticket)
    saved = save_form(
        form,
        lambda: services.ticket_update(
            actor=request.user,
            ticket=ticket,
            data=form.to_data(),
            version=form.cleaned_data["version"],
        ),
    )
    if saved is None:
        return _answer(request, pk, edit_form=form, open_panel="edit")
    return _answer(request, pk, done=_("Ticket saved."))


@login_required
@require_POST
def ticket_merge(request, pk: int):
    """Merge this ticket into the one named (its number); the page then shows that one."""
    ticket = _ticket(request, pk)
    form = MergeForm(request.POST)
    target_id = None
    if form.is_valid():
        target_id = selectors.parse_ticket_number(form.cleaned_data["target"])
        if target_id is None:
            form.add_error(
                "target",
                _("Enter a ticket number such as %(example)s.") % {"example": "T-000123"},
            )

    def merge():
        try:
            target = selectors.get_ticket_for_user(request.user, target_id)
        except NotFound:
            form.add_error("target", _("There is no such ticket."))
            return None
        return services.ticket_merge(actor=request.user, source=ticket, target=target)

    merged = save_form(form, merge) if target_id is not None else None
    if merged is None:
        return _answer(request, pk, merge_form=form, open_panel="merge")
    done = _("%(source)s was merged into this ticket.") % {"source": ticket.number}
    messages.success(request, done)
    url = reverse("service:ticket_detail", args=[merged.pk])
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def canned_reply_insert(request, pk: int):
    """The reply box with a canned reply (merge fields filled for this ticket) added to what
    was typed; htmx swaps it in place of the box."""
    ticket = _ticket(request, pk)
    reply_id = int_or_none(request.POST.get("canned_id"))
    body = request.POST.get("body", "")
    reply = None
    if reply_id is not None:
        reply = selectors.canned_replies_for(request.user).filter(pk=reply_id).first()
    error = ""
    if reply is not None:
        try:
            text = services.canned_reply_render(reply=reply, ticket=ticket)
        except ApplicationError as exc:
            error = exc.message
        else:
            body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    form = ReplyForm(initial={"body": body})
    return render(request, "service/_reply_body.html", {"reply_form": form, "canned_error": error})


@login_required
@require_GET
def attachment_download(request, pk: int):
    """A file of a ticket message, always as a download (never shown inline: it came from
    outside)."""
    attachment = found_or_404(selectors.get_attachment_for_user, request.user, pk)
    response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
    response["Content-Disposition"] = _content_disposition(attachment.filename)
    return response


def _content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
