"""More of the ticket page: its tags and custom fields, and the knowledge-base articles an agent
links to in a reply.

Tags and custom fields are saved by `ticket_update`, the service behind the API's PATCH, so the
change is checked, versioned and announced (audit and timeline) the same way. Like the page's
other forms, the form posts with htmx and gets the page's main part back.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core.forms import save_form
from rapport.core.htmx import found_or_404, is_htmx
from rapport.knowledge.selectors import search_articles
from rapport.service import selectors, services
from rapport.service.access import may_work_on_ticket
from rapport.service.forms_ticket_fields import TicketFieldsForm
from rapport.service.views import ticket as ticket_views

# How many articles the panel lists.
ARTICLE_HITS = 5


@login_required
@require_POST
def ticket_fields(request, pk: int):
    ticket = found_or_404(selectors.get_ticket_for_user, request.user, pk)
    form = TicketFieldsForm(request.POST, ticket=ticket)
    saved = save_form(
        form,
        lambda: services.ticket_update(
            actor=request.user,
            ticket=ticket,
            data=form.to_data(),
            version=form.cleaned_data["version"],
        ),
    )
    if saved is not None and not is_htmx(request):
        messages.success(request, _("Tags and custom fields saved."))
        return redirect("service:ticket_detail", pk=pk)
    if saved is None:
        context = ticket_views._context(request, pk, keep_draft=True, open_panel="fields")
        context["fields_form"] = form
    else:
        context = ticket_views._context(
            request, pk, keep_draft=True, notice=_("Tags and custom fields saved.")
        )
    template = "service/_ticket_main.html" if is_htmx(request) else "service/ticket_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def ticket_articles(request, pk: int):
    """Articles answering `q` (the ticket's words, or what the agent searched for), each public
    one with its help-centre address to insert into the reply: an htmx fragment."""
    ticket = found_or_404(selectors.get_ticket_for_user, request.user, pk)
    query = request.GET.get("q", "")[:1000]
    hits = []
    if may_work_on_ticket(request.user, ticket):
        hits = search_articles(
            query,
            user=request.user,
            public_only=False,
            language=get_language(),
            limit=ARTICLE_HITS,
        )
    articles = [
        {
            "title": hit.translation.title,
            "is_public": hit.article.is_public,
            "url": request.build_absolute_uri(reverse("help:article", args=[hit.article.pk]))
            if hit.article.is_public
            else reverse("knowledge:article_detail", args=[hit.article.pk]),
        }
        for hit in hits
    ]
    return render(
        request, "service/_ticket_articles.html", {"articles": articles, "query": query.strip()}
    )
