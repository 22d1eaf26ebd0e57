"""Reads of the knowledge base. `articles_public` is the one rule for what the public sees
(published and public); staff read every published article, managers drafts too
(`access.can_manage_articles`)."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.knowledge import search
from rapport.knowledge.access import can_manage_articles, can_read_articles
from rapport.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleStatus,
    ArticleTranslation,
    ArticleVisibility,
    Deflection,
)


def _with_translations(queryset: QuerySet[Article]) -> QuerySet[Article]:
    return queryset.select_related("category", "author").prefetch_related(
        Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
    )


def articles_public() -> QuerySet[Article]:
    return Article.objects.filter(
        status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC
    )


def articles_visible_to(user) -> QuerySet[Article]:
    if not can_read_articles(user):
        return Article.objects.none()
    if can_manage_articles(user):
        return Article.objects.all()
    return Article.objects.filter(status=ArticleStatus.PUBLISHED)


def articles_list(
    user,
    *,
    query: str = "",
    category_id: int | None = None,
    status: str = "",
    visibility: str = "",
    language: str = "",
) -> QuerySet[Article]:
    """The staff list: filters by category (and its subcategories), status, visibility,
    language and words of the title, newest change first."""
    articles = articles_visible_to(user)
    if category_id:
        articles = articles.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    if visibility in ArticleVisibility.values:
        articles = articles.filter(visibility=visibility)
    if language:
        articles = articles.filter(translations__language=language)
    if query:
        articles = articles.filter(translations__title__icontains=query)
    return _with_translations(articles.distinct().order_by("-updated_at", "-id"))


def get_article_for_user(user, pk: int) -> Article:
    article = _with_translations(articles_visible_to(user)).filter(pk=pk).first()
    if article is None:
        raise NotFound(_("Article not found."))
    return article


def get_public_article(pk: int) -> Article:
    article = _with_translations(articles_public()).filter(pk=pk).first()
    if article is None:
        raise NotFound(_("Article not found."))
    return article


def public_articles_in(category: ArticleCategory | None) -> QuerySet[Article]:
    articles = articles_public()
    if category is not None:
        articles = articles.filter(Q(category=category) | Q(category__parent=category))
    return _with_translations(articles.order_by("-view_count", "-id"))


def categories_tree() -> list[tuple[ArticleCategory, list[ArticleCategory]]]:
    """Top-level categories with their children, in order (two levels are shown)."""
    categories = list(ArticleCategory.objects.order_by("position", "name_en", "pk"))
    children: dict[int, list[ArticleCategory]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    return [(c, children.get(c.pk, [])) for c in categories if c.parent_id is None]


def get_category(pk: int) -> ArticleCategory:
    category = ArticleCategory.objects.filter(pk=pk).first()
    if category is None:
        raise NotFound(_("Category not found."))
    return category


def get_attachment_for_user(user, pk: int) -> ArticleAttachment:
    attachment = (
        ArticleAttachment.objects.filter(pk=pk, article__in=articles_visible_to(user))
        .select_related("article")
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


def get_public_attachment(pk: int) -> ArticleAttachment:
    attachment = (
        ArticleAttachment.objects.filter(pk=pk, article__in=articles_public())
        .select_related("article")
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


@dataclass
class ArticleHit:
    article: Article
    score: float
    words_score: float
    meaning_score: float
    # The version to show: the one in the requested language when the article has it.
    translation: ArticleTranslation | None = None


def search_articles(
    query: str,
    *,
    user=None,
    public_only: bool,
    language: str | None = None,
    limit: int = 5,
    include_drafts: bool = False,
    min_score: float = 0.0,
) -> list[ArticleHit]:
    """The articles that best answer `query`, best first (see `rapport.knowledge.search`).

    `public_only`: published public articles only (the help centre, a customer's chat, the
    ticket form); otherwise `user` must be staff and sees published articles of either
    visibility, drafts too with `include_drafts` if they may manage articles. `language`
    ("zh-hans" or "en") picks the version each hit shows; both versions are searched, so a
    question in one language finds an article written only in the other.
    """
    query = (query or "").strip()[:1000]
    if not query or limit <= 0:
        return []
    if not public_only and not can_read_articles(user):
        return []
    index = search.current_index()
    mask = search.entry_mask(
        index,
        public_only=public_only,
        include_drafts=include_drafts and can_manage_articles(user),
    )
    ranked = [
        entry
        for entry in search.rank(index, query, mask=mask, limit=limit)
        if entry.score >= min_score
    ]
    if not ranked:
        return []
    base = articles_public() if public_only else articles_visible_to(user)
    articles = _with_translations(base).in_bulk([entry.article_id for entry in ranked])
    hits = []
    for entry in ranked:
        article = articles.get(entry.article_id)
        if article is None:  # changed since the index was read
            continue
        hits.append(
            ArticleHit(
                article=article,
                score=entry.score,
                words_score=entry.words_score,
                meaning_score=entry.meaning_score,
                translation=article.translation_in(language or entry.language),
            )
        )
    return hits


def deflections_count(*, since=None) -> int:
    deflections = Deflection.objects.all()
    if since is not None:
        deflections = deflections.filter(created_at__gte=since)
    return deflections.count()
