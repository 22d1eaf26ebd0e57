"""HTML of the inbox app: the administrators' inbound list and message page with "process
again", and attachment downloads for whoever may see the message's person."""

import contextlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core.errors import Conflict
from rapport.core.htmx import allowed_or_403, found_or_404, page_or_first
from rapport.inbox.imap import mailbox_config
from rapport.inbox.models import InboundStatus
from rapport.inbox.selectors import (
    get_attachment_for_user,
    get_inbound_for_admin,
    inbound_attachments,
    inbound_for_admin,
)
from rapport.inbox.services import NO_SENDER, NOT_PROCESSED, inbound_reprocess

# How the stored reasons read; anything else is a program error, shown as it was logged.
REASONS = {
    NO_SENDER: _("The message has no sender address (From)."),
    NOT_PROCESSED: _("The message was stored but not processed."),
}


def reason_text(error: str) -> str:
    return str(REASONS.get(error, error))


@login_required
@require_GET
def inbound_list(request):
    status = request.GET.get("status", "")
    status = status if status in InboundStatus.values else ""
    queryset = allowed_or_403(inbound_for_admin, request.user, status=status)
    page = page_or_first(
        queryset,
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    rows = [{"inbound": inbound, "reason": reason_text(inbound.error)} for inbound in page.items]
    config = mailbox_config()
    return render(
        request,
        "inbox/inbound_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": InboundStatus.choices,
            "mailbox": config.key if config else "",
        },
    )


@login_required
@require_GET
def inbound_detail(request, inbound_pk: int):
    inbound = found_or_404(allowed_or_403, get_inbound_for_admin, request.user, inbound_pk)
    return render(
        request,
        "inbox/inbound_detail.html",
        {
            "inbound": inbound,
            "attachments": inbound_attachments(inbound),
            "reason": reason_text(inbound.error),
        },
    )


@login_required
@require_POST
def inbound_reprocess_view(request, inbound_pk: int):
    inbound = found_or_404(allowed_or_403, get_inbound_for_admin, request.user, inbound_pk)
    # Processed meanwhile by someone else: the page shows how.
    with contextlib.suppress(Conflict):
        inbound_reprocess(actor=request.user, inbound=inbound)
    return redirect("inbox:inbound_detail", inbound_pk=inbound.pk)


@login_required
@require_GET
def inbound_raw(request, inbound_pk: int):
    """The message as it came, for a mail client or a bug report."""
    inbound = found_or_404(allowed_or_403, get_inbound_for_admin, request.user, inbound_pk)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    return response


@login_required
@require_GET
def attachment_download(request, attachment_pk: int):
    attachment = found_or_404(get_attachment_for_user, request.user, attachment_pk)
    # Always a download, never rendered in our origin (an HTML attachment could run script).
    response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
