"""HTML for working together: the colleagues a mention may name, and announcements (the list,
the form, one announcement with who has read it, and the banner base.html loads on every page)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.models import User
from rapport.activities import announcements as ann
from rapport.activities.forms import AnnouncementForm
from rapport.activities.mentions import mention_token
from rapport.core.errors import PermissionDenied
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, is_htmx, page_or_first

SUGGESTIONS = 8


@login_required
@require_GET
def mention_suggestions(request):
    """Active colleagues whose user name or name starts with, or whose name holds, `q`, as JSON
    for the @ list: [{"id", "name", "username", "token"}]. Chinese names are matched as written,
    family name first with no space (吴静), as well as in their parts."""
    q = " ".join(request.GET.get("q", "").split())[:50]
    users = User.objects.filter(is_active=True).annotate(
        family_first=Concat("last_name", "first_name"),
        given_first=Concat("first_name", Value(" "), "last_name"),
    )
    if q:
        users = users.filter(
            Q(username__istartswith=q)
            | Q(first_name__istartswith=q)
            | Q(last_name__istartswith=q)
            | Q(family_first__icontains=q)
            | Q(given_first__icontains=q)
        )
    users = users.order_by("first_name", "last_name", "username")[:SUGGESTIONS]
    return JsonResponse(
        {
            "results": [
                {"id": u.pk, "name": str(u), "username": u.username, "token": mention_token(u)}
                for u in users
            ]
        }
    )


# --- Announcements -----------------------------------------------------------------------------


@login_required
@require_GET
def announcement_list(request):
    queryset = ann.announcements_visible_to(request.user).select_related("author", "team")
    page = page_or_first(
        queryset,
        sort="-published_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    own = [a for a in page.items if ann.may_see_receipts(request.user, a)]
    counts = ann.announcement_read_counts(own) if own else {}
    sizes = ann.audience_sizes() if own else {}
    for announcement in page.items:
        announcement.shows_receipts = announcement in own
        announcement.read_count = counts.get(announcement.pk, 0)
        announcement.audience_count = sizes.get(announcement.team_id, 0)
    return render(
        request,
        "activities/announcement_list.html",
        {"page": page, "may_announce": ann.may_announce(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def announcement_create(request):
    actor = request.user
    if not ann.may_announce(actor):
        allowed_or_403(_refuse_announcing)
    teams = list(ann.announcement_teams(actor))
    form = AnnouncementForm(request.POST or None, actor=actor, teams=teams)
    if request.method == "POST":
        announcement = save_form(
            form, lambda: ann.announcement_create(actor=actor, data=form.to_data())
        )
        if announcement is not None:
            messages.success(request, _("Announcement published."))
            return redirect("activities:announcement_detail", pk=announcement.pk)
    return render(request, "activities/announcement_form.html", {"form": form})


def _refuse_announcing():
    raise PermissionDenied(_("Only administrators and sales managers make announcements."))


@login_required
@require_GET
def announcement_detail(request, pk: int):
    announcement = found_or_404(ann.get_announcement_for_user, request.user, pk)
    context = {"announcement": announcement, "shows_receipts": False}
    if ann.may_see_receipts(request.user, announcement):
        receipts = list(ann.announcement_receipts(announcement))
        read_ids = {r.user_id for r in receipts}
        audience = list(
            ann.announcement_audience(announcement).order_by("first_name", "last_name", "username")
        )
        context.update(
            {
                "shows_receipts": True,
                "receipts": receipts,
                "unread_users": [u for u in audience if u.pk not in read_ids],
                "audience_count": len(audience),
                "read_count": sum(1 for u in audience if u.pk in read_ids),
            }
        )
    return render(request, "activities/announcement_detail.html", context)


@login_required
@require_POST
def announcement_read(request, pk: int):
    """Mark it read; htmx (the banner's button) gets the banner back without it."""
    announcement = found_or_404(ann.get_announcement_for_user, request.user, pk)
    ann.announcement_mark_read(actor=request.user, announcement=announcement)
    if is_htmx(request):
        return _banner(request)
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("activities:announcement_detail", pk=announcement.pk)


@login_required
@require_POST
def announcement_delete(request, pk: int):
    announcement = found_or_404(ann.get_announcement_for_user, request.user, pk)
    allowed_or_403(ann.announcement_delete, actor=request.user, announcement=announcement)
    messages.success(request, _("Announcement deleted."))
    return redirect("activities:announcement_list")


@login_required
@require_GET
def announcement_banner(request):
    """The banner of unread announcements, loaded by base.html after the page (so no page's
    own query count grows) and read from the per-user cache."""
    return _banner(request)


def _banner(request):
    banner = ann.announcement_banner(request.user)
    return render(
        request,
        "activities/_announcement_banner.html",
        {**banner, "list_url": reverse("activities:announcement_list")},
    )
