"""The public help centre: no sign-in; only published public articles, in the visitor's
language (the version in it when the article has one). Searching and reading count: views,
"was this helpful" votes (once per browser session) and deflections."""

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.errors import ApplicationError
from rapport.core.htmx import found_or_404, int_or_none, is_htmx
from rapport.knowledge import selectors, services
from rapport.knowledge.models import ArticleCategory, DeflectionChannel
from rapport.knowledge.views import _file_response


def _language() -> str:
    return "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"


def help_home(request):
    language = _language()
    popular = list(selectors.public_articles_in(None)[:8])
    return render(
        request,
        "knowledge/help_home.html",
        {
            "categories": selectors.categories_tree(),
            "popular": [(a, a.translation_in(language)) for a in popular],
            "language": language,
        },
    )


def help_search(request):
    language = _language()
    query = request.GET.get("q", "").strip()[:300]
    hits = (
        selectors.search_articles(query, public_only=True, language=language, limit=8)
        if query
        else []
    )
    template = "knowledge/_help_results.html" if is_htmx(request) else "knowledge/help_search.html"
    return render(request, template, {"query": query, "hits": hits, "language": language})


def help_category(request, slug: str):
    category = ArticleCategory.objects.filter(slug=slug).first()
    if category is None:
        raise Http404(_("Category not found."))
    language = _language()
    articles = list(selectors.public_articles_in(category)[:200])
    return render(
        request,
        "knowledge/help_category.html",
        {
            "category": category,
            "category_name": category.name_in(language),
            "articles": [(a, a.translation_in(language)) for a in articles],
            "language": language,
        },
    )


def help_article(request, pk: int):
    article = found_or_404(selectors.get_public_article, pk)
    language = (
        request.GET.get("lang") if request.GET.get("lang") in ("zh-hans", "en") else _language()
    )
    services.article_record_view(article=article)
    translation = article.translation_in(language)
    return render(
        request,
        "knowledge/help_article.html",
        {
            "article": article,
            "translation": translation,
            "other_versions": [t for t in article.translations.all() if t.pk != translation.pk],
            "attachments": [a for a in article.attachments.defer("content") if not a.is_image],
            "category_name": article.category.name_in(language) if article.category else "",
            "voted": request.session.get(f"kb-vote-{article.pk}"),
        },
    )


@require_POST
def help_vote(request, pk: int):
    article = found_or_404(selectors.get_public_article, pk)
    helpful = {"yes": True, "no": False}.get(request.POST.get("helpful"))
    if helpful is None:
        return JsonResponse(
            {"code": "validation_error", "message": _("Choose yes or no."), "details": {}},
            status=400,
        )
    if not request.session.session_key:
        request.session.save()
    services.article_vote(article=article, session_key=request.session.session_key, helpful=helpful)
    request.session[f"kb-vote-{article.pk}"] = "yes" if helpful else "no"
    if is_htmx(request):
        return render(request, "knowledge/_vote_thanks.html", {"helpful": helpful})
    return redirect("help:article", article.pk)


def help_attachment(request, pk: int):
    attachment = found_or_404(selectors.get_public_attachment, pk)
    return _file_response(attachment)


@require_POST
def help_deflected(request):
    """The visitor read the suggested answers and said their question was answered."""
    ids = [pk for pk in (int_or_none(v) for v in request.POST.getlist("article")) if pk]
    visible = set(selectors.articles_public().filter(pk__in=ids).values_list("pk", flat=True))
    try:
        services.deflection_record(
            channel=DeflectionChannel.HELP_CENTRE,
            query=request.POST.get("q", ""),
            article_ids=[pk for pk in ids if pk in visible],
        )
    except ApplicationError as exc:
        return JsonResponse(
            {"code": exc.code, "message": exc.message, "details": exc.details}, status=400
        )
    if is_htmx(request):
        return render(request, "knowledge/_vote_thanks.html", {"helpful": True})
    return redirect("help:home")
