"""The staff pages of the knowledge base: the article list with filters, the editor (a tab per
language, a preview), publishing, attachments, and the suggestions an agent inserts in a reply.

Every signed-in user reads; administrators and service agents write (`access`)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core.errors import ApplicationError
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, int_or_none
from rapport.knowledge import selectors, services
from rapport.knowledge.access import (
    can_manage_articles,
    require_article_manager,
)
from rapport.knowledge.forms import ArticleForm, AttachmentForm
from rapport.knowledge.models import ArticleStatus, ArticleVisibility

LIST_SIZE = 50


@login_required
def article_list(request):
    filters = {
        "query": request.GET.get("q", "").strip()[:200],
        "category_id": int_or_none(request.GET.get("category")),
        "status": request.GET.get("status", ""),
        "visibility": request.GET.get("visibility", ""),
        "language": request.GET.get("language", "")
        if request.GET.get("language") in ("zh-hans", "en")
        else "",
    }
    articles = list(selectors.articles_list(request.user, **filters)[: LIST_SIZE + 1])
    return render(
        request,
        "knowledge/article_list.html",
        {
            "articles": articles[:LIST_SIZE],
            "more": len(articles) > LIST_SIZE,
            "filters": filters,
            "categories": selectors.categories_tree(),
            "statuses": ArticleStatus.choices,
            "visibilities": ArticleVisibility.choices,
            "can_manage": can_manage_articles(request.user),
            "language": get_language(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_create(request):
    allowed_or_403(require_article_manager, request.user)
    form = ArticleForm(request.POST or None, initial={"status": "draft", "visibility": "public"})
    if request.method == "POST":
        article = save_form(
            form, lambda: services.article_create(actor=request.user, data=form.to_data())
        )
        if article is not None:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article_detail", article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None})


@login_required
def article_detail(request, pk: int):
    article = found_or_404(selectors.get_article_for_user, request.user, pk)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "translations": list(article.translations.all()),
            "attachments": list(article.attachments.defer("content")),
            "can_manage": can_manage_articles(request.user),
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    allowed_or_403(require_article_manager, request.user)
    article = found_or_404(selectors.get_article_for_user, request.user, pk)
    form = ArticleForm(request.POST or None, article=article)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.article_update(
                actor=request.user, article=article, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article_detail", saved.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@login_required
@require_POST
def article_publish(request, pk: int):
    allowed_or_403(require_article_manager, request.user)
    article = found_or_404(selectors.get_article_for_user, request.user, pk)
    published = request.POST.get("published") == "1"
    services.article_publish(actor=request.user, article=article, published=published)
    messages.success(
        request, _("Article published.") if published else _("Article moved back to drafts.")
    )
    return redirect("knowledge:article_detail", article.pk)


@login_required
@require_POST
def article_delete(request, pk: int):
    allowed_or_403(require_article_manager, request.user)
    article = found_or_404(selectors.get_article_for_user, request.user, pk)
    services.article_delete(actor=request.user, article=article)
    messages.success(request, _("Article deleted."))
    return redirect("knowledge:article_list")


@login_required
@require_POST
def attachment_upload(request, pk: int):
    allowed_or_403(require_article_manager, request.user)
    article = found_or_404(selectors.get_article_for_user, request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        limit = services.attachment_limit()
        try:
            # Read one byte more than allowed: enough to refuse, never the whole of a huge file.
            content = upload.read(limit + 1)
            services.attachment_add(
                actor=request.user,
                article=article,
                filename=upload.name,
                content_type=upload.content_type or "",
                content=content,
            )
            messages.success(request, _("File attached."))
        except ApplicationError as exc:
            for errors in getattr(exc, "details", {}).values():
                for message in errors:
                    messages.error(request, message)
            if not getattr(exc, "details", None):
                messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("knowledge:article_detail", article.pk)


@login_required
def attachment_download(request, pk: int):
    attachment = found_or_404(selectors.get_attachment_for_user, request.user, pk)
    return _file_response(attachment)


@login_required
@require_POST
def attachment_delete(request, pk: int):
    allowed_or_403(require_article_manager, request.user)
    attachment = found_or_404(selectors.get_attachment_for_user, request.user, pk)
    article_id = attachment.article_id
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("Attachment removed."))
    return redirect("knowledge:article_detail", article_id)


@login_required
def article_suggest(request):
    """Articles answering a text (a ticket's subject and message), for an agent to insert a
    link into a reply: an htmx fragment."""
    query = request.GET.get("q", "")
    hits = selectors.search_articles(
        query, user=request.user, public_only=False, language=get_language(), limit=5
    )
    return render(request, "knowledge/_suggestions.html", {"hits": hits, "query": query})


def _file_response(attachment) -> HttpResponse:
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    inline = attachment.is_image or attachment.content_type == "application/pdf"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(attachment.filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
