"""REST endpoints of the knowledge base: articles for staff (every signed-in user reads
published ones; administrators and service agents write and see drafts), search for staff,
and a public search that needs no key and answers published public articles only."""

import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rapport.core.api_schemas import (
    InputSchema,
    Page,
    PageQuery,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.schema_types import RecordId
from rapport.knowledge import selectors, services

router = Router(tags=["knowledge"])


class TranslationIn(InputSchema):
    title: text(200) = ""
    summary: text(300) = ""
    body_html: str = Field("", description="HTML; sanitised (allow-list) before it is stored.")


class ArticleIn(InputSchema):
    category_id: int | None = None
    status: text(12) = Field("draft", description="`draft` or `published`.")
    visibility: text(12) = Field("public", description="`internal` (staff) or `public`.")
    translations: dict[str, TranslationIn] = Field(
        description="By language: `zh-hans`, `en`; at least one."
    )


class ArticlePatch(InputSchema):
    category_id: int | None = None
    status: text(12) | None = None
    visibility: text(12) | None = None
    translations: dict[str, TranslationIn] | None = Field(
        None, description="Replaces the versions: a language left out is removed."
    )
    version: int | None = Field(None, description="The `version` you read (optimistic lock).")


class TranslationOut(Schema):
    language: str
    title: str
    summary: str
    body_html: str


class ArticleOut(Schema):
    id: int
    category_id: int | None
    status: str
    visibility: str
    author_id: int | None
    published_at: datetime.datetime | None
    view_count: int
    helpful_count: int
    not_helpful_count: int
    version: int
    translations: list[TranslationOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_translations(obj) -> list:
        return list(obj.translations.all())


class ArticleListQuery(PageQuery):
    status: str | None = None
    visibility: str | None = None
    category_id: int | None = None


class HitOut(Schema):
    article_id: int
    language: str
    title: str
    summary: str
    url: str = Field(description="The article's page: the help centre's for a public article.")
    score: float
    words_score: float
    meaning_score: float


class SearchQuery(Schema):
    q: str = Field(max_length=1000)
    language: str | None = Field(None, description="`zh-hans` or `en`: the version to show.")
    limit: int = Field(5, ge=1, le=20)


def _hits(hits) -> list[dict]:
    from django.urls import reverse

    return [
        {
            "article_id": hit.article.pk,
            "language": hit.translation.language if hit.translation else "",
            "title": hit.translation.title if hit.translation else "",
            "summary": hit.translation.summary if hit.translation else "",
            "url": reverse("help:article", args=[hit.article.pk])
            if hit.article.is_public
            else reverse("knowledge:article_detail", args=[hit.article.pk]),
            "score": round(hit.score, 4),
            "words_score": round(hit.words_score, 4),
            "meaning_score": round(hit.meaning_score, 4),
        }
        for hit in hits
    ]


@router.get(
    "/knowledge/articles",
    response={200: Page[ArticleOut], **error_responses(400, 422)},
    description="Newest change first. Staff read published articles; administrators and "
    "service agents drafts too.",
)
def article_list(request: HttpRequest, query: Query[ArticleListQuery]):
    articles = selectors.articles_list(
        request.auth,
        category_id=query.category_id,
        status=query.status or "",
        visibility=query.visibility or "",
    ).order_by()
    return paginate(articles, sort="-updated_at", cursor=query.cursor, limit=query.limit)


@router.post(
    "/knowledge/articles",
    response={201: ArticleOut, **error_responses(400, 403, 422)},
    description="Administrators and service agents. The bodies are sanitised and the article "
    "indexed for search before the answer.",
)
def article_create(request: HttpRequest, payload: ArticleIn):
    article = services.article_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.get_article_for_user(request.auth, article.pk))


@router.get(
    "/knowledge/articles/{int:article_id}",
    response={200: ArticleOut, **error_responses(404)},
)
def article_detail(request: HttpRequest, article_id: RecordId):
    return selectors.get_article_for_user(request.auth, article_id)


@router.patch(
    "/knowledge/articles/{int:article_id}",
    response={200: ArticleOut, **error_responses(400, 403, 404, 409, 422)},
    description="Administrators and service agents.",
)
def article_update(request: HttpRequest, article_id: RecordId, payload: ArticlePatch):
    article = selectors.get_article_for_user(request.auth, article_id)
    services.article_update(actor=request.auth, article=article, data=service_input(payload))
    return selectors.get_article_for_user(request.auth, article_id)


@router.delete(
    "/knowledge/articles/{int:article_id}",
    response={204: None, **error_responses(403, 404)},
    description="Administrators and service agents.",
)
def article_delete(request: HttpRequest, article_id: RecordId):
    article = selectors.get_article_for_user(request.auth, article_id)
    services.article_delete(actor=request.auth, article=article)
    return Status(204, None)


@router.get(
    "/knowledge/search",
    response={200: list[HitOut], **error_responses(422)},
    description="Articles answering a question (words and meaning, Chinese and English), best "
    "first; published articles of either visibility.",
)
def article_search(request: HttpRequest, query: Query[SearchQuery]):
    return _hits(
        selectors.search_articles(
            query.q,
            user=request.auth,
            public_only=False,
            language=query.language,
            limit=query.limit,
        )
    )


@router.get(
    "/knowledge/public-search",
    auth=None,
    response={200: list[HitOut], **error_responses(422)},
    description="No key needed: published public articles only, as the help centre shows them.",
)
def article_public_search(request: HttpRequest, query: Query[SearchQuery]):
    return _hits(
        selectors.search_articles(
            query.q, public_only=True, language=query.language, limit=query.limit
        )
    )


routers = [router]
