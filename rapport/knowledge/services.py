"""Writes of the knowledge base: categories, articles and their language versions, files, the
search index, votes, views and deflections.

Every change of an article rewrites its search entries in the same transaction and bumps
`SearchIndexState.version`, so a search never sees an article whose index is stale, and every
process reloads its in-memory copy on its next search (`rapport.knowledge.search`).
"""

import uuid

import nh3
import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.cleaning import FieldErrors, clean_choice, clean_text, invalid, reject_unknown
from rapport.core.errors import Conflict, ValidationFailed, check_version
from rapport.core.records import record_changed
from rapport.knowledge import text
from rapport.knowledge.access import require_article_manager
from rapport.knowledge.models import (
    LANGUAGES,
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleSearchEntry,
    ArticleStatus,
    ArticleTranslation,
    ArticleVisibility,
    ArticleVote,
    Deflection,
    DeflectionChannel,
    SearchIndexState,
)

LANGUAGE_CODES = tuple(code for code, _label in LANGUAGES)
TRANSLATION_FIELDS = ("title", "summary", "body_html")
BODY_LIMIT = 200_000

# What an article body may contain: structure, emphasis, links, images, tables. Scripts, styles,
# event handlers, iframes and forms are removed; links get rel="noopener noreferrer nofollow".
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "pre",
    "blockquote", "h2", "h3", "h4", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
ALLOWED_ATTACHMENT_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
    "text/csv", "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}  # fmt: skip


def sanitize_article_html(body_html: str) -> str:
    """The body as stored: only the allow-listed tags and attributes, safe link schemes."""
    return nh3.clean(
        body_html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


# --- Categories --------------------------------------------------------------------------------


def _clean_category(data: dict, errors: FieldErrors, *, instance=None) -> dict:
    reject_unknown(data, ("name_zh", "name_en", "slug", "parent_id", "position"), errors)
    values = {
        "name_zh": clean_text(data.get("name_zh"), "name_zh", errors, limit=100),
        "name_en": clean_text(data.get("name_en"), "name_en", errors, limit=100),
        "slug": clean_text(data.get("slug"), "slug", errors, limit=100, required=True),
    }
    if not values["name_zh"] and not values["name_en"]:
        errors.add("name_en", _("Give the category a name in at least one language."))
    if values["slug"] and not all(c.isalnum() or c in "-_" for c in values["slug"]):
        errors.add("slug", _("Use only letters, digits, hyphens and underscores."))
    parent = None
    parent_id = data.get("parent_id")
    if parent_id not in (None, ""):
        parent = (
            ArticleCategory.objects.filter(pk=parent_id).first()
            if str(parent_id).isdigit()
            else None
        )
        if parent is None:
            errors.add("parent_id", _("Choose an existing category."))
        elif instance is not None:
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == instance.pk:
                    errors.add("parent_id", _("A category cannot be inside itself."))
                    break
                ancestor = ancestor.parent
    values["parent"] = parent
    position = data.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        errors.add("position", _("Enter a whole number of 0 or more."))
        position = 0
    values["position"] = position
    return values


@transaction.atomic
def category_create(*, actor, data: dict) -> ArticleCategory:
    require_article_manager(actor)
    errors = FieldErrors()
    values = _clean_category(data, errors)
    if values["slug"] and ArticleCategory.objects.filter(slug=values["slug"]).exists():
        errors.add("slug", _("Another category already uses this slug."))
    errors.raise_if_any()
    return ArticleCategory.objects.create(**values)


@transaction.atomic
def category_update(*, actor, category: ArticleCategory, data: dict) -> ArticleCategory:
    require_article_manager(actor)
    errors = FieldErrors()
    values = _clean_category(data, errors, instance=category)
    if (
        values["slug"]
        and ArticleCategory.objects.filter(slug=values["slug"]).exclude(pk=category.pk).exists()
    ):
        errors.add("slug", _("Another category already uses this slug."))
    errors.raise_if_any()
    for field, value in values.items():
        setattr(category, field, value)
    category.save()
    return category


@transaction.atomic
def category_delete(*, actor, category: ArticleCategory) -> None:
    require_article_manager(actor)
    if category.children.exists() or category.articles.exists():
        raise Conflict(_("Move or delete this category's articles and subcategories first."))
    category.delete()


# --- Articles ----------------------------------------------------------------------------------


def _clean_article(data: dict, errors: FieldErrors, *, partial: bool) -> dict:
    reject_unknown(data, ("category_id", "status", "visibility", "translations", "version"), errors)
    values: dict = {}
    if not partial or "category_id" in data:
        category_id = data.get("category_id")
        values["category"] = None
        if category_id not in (None, ""):
            category = (
                ArticleCategory.objects.filter(pk=category_id).first()
                if str(category_id).isdigit()
                else None
            )
            if category is None:
                errors.add("category_id", _("Choose an existing category."))
            values["category"] = category
    if not partial or "status" in data:
        values["status"] = clean_choice(
            data.get("status"),
            "status",
            errors,
            choices=ArticleStatus.values,
            default=ArticleStatus.DRAFT,
            list_choices=True,
        )
    if not partial or "visibility" in data:
        values["visibility"] = clean_choice(
            data.get("visibility"),
            "visibility",
            errors,
            choices=ArticleVisibility.values,
            default=ArticleVisibility.PUBLIC,
            list_choices=True,
        )
    if not partial or "translations" in data:
        values["translations"] = _clean_translations(data.get("translations"), errors)
    return values


def _clean_translations(raw, errors: FieldErrors) -> dict[str, dict]:
    """`{"zh-hans": {"title", "summary", "body_html"}, "en": {...}}`; a language whose title and
    body are both empty is left out (and removed from the article)."""
    if not isinstance(raw, dict):
        errors.add("translations", _("Give the article's versions by language."))
        return {}
    cleaned: dict[str, dict] = {}
    for language, fields in raw.items():
        prefix = f"translations.{language}"
        if language not in LANGUAGE_CODES:
            errors.add(
                "translations",
                _("Unknown language “%(language)s”: use one of %(languages)s.")
                % {"language": language, "languages": ", ".join(LANGUAGE_CODES)},
            )
            continue
        if not isinstance(fields, dict):
            errors.add(prefix, _("Give the title, summary and body of this version."))
            continue
        reject_unknown(fields, TRANSLATION_FIELDS, errors, prefix=f"{prefix}.")
        title = clean_text(fields.get("title"), f"{prefix}.title", errors, limit=200)
        summary = clean_text(fields.get("summary"), f"{prefix}.summary", errors, limit=300)
        body = fields.get("body_html") or ""
        if not isinstance(body, str):
            errors.add(f"{prefix}.body_html", _("Enter text."))
            continue
        if len(body) > BODY_LIMIT:
            errors.add(
                f"{prefix}.body_html",
                _("Use at most %(limit)d characters.") % {"limit": BODY_LIMIT},
            )
            continue
        body = sanitize_article_html(body)
        if not title and not text.plain_text(body):
            continue
        if not title:
            errors.add(f"{prefix}.title", _("Give this version a title."))
        cleaned[language] = {"title": title, "summary": summary, "body_html": body}
    if not cleaned and not errors:
        errors.add("translations", _("Write the article in at least one language."))
    return cleaned


def _apply_translations(article: Article, translations: dict[str, dict]) -> list[str]:
    changed: list[str] = []
    existing = {t.language: t for t in article.translations.all()}
    for language, values in translations.items():
        translation = existing.pop(language, None)
        if translation is None:
            ArticleTranslation.objects.create(article=article, language=language, **values)
            changed.append(language)
        elif any(getattr(translation, k) != v for k, v in values.items()):
            for field, value in values.items():
                setattr(translation, field, value)
            translation.save()
            changed.append(language)
    for translation in existing.values():
        translation.delete()
        changed.append(translation.language)
    return changed


@transaction.atomic
def article_create(*, actor, data: dict) -> Article:
    """Create an article with its language versions (`data`: category_id, status, visibility,
    translations: {language: {title, summary, body_html}}); its body is sanitised and it is
    indexed for search before the transaction commits."""
    require_article_manager(actor)
    errors = FieldErrors()
    values = _clean_article(data, errors, partial=False)
    errors.raise_if_any()
    translations = values.pop("translations")
    article = Article.objects.create(author=actor, **values)
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
        article.save(update_fields=["published_at"])
    _apply_translations(article, translations)
    article_index(article)
    record_changed("article", article.pk, "created", actor=actor)
    return article


@transaction.atomic
def article_update(*, actor, article: Article, data: dict) -> Article:
    """Change what `data` names (the same keys as `article_create`, plus `version` for optimistic
    locking); a language left out of `translations` is removed."""
    require_article_manager(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    errors = FieldErrors()
    values = _clean_article(data, errors, partial=True)
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        errors.add("version", _("Enter a whole number."))
        version = None
    errors.raise_if_any()
    check_version(article, version)
    changed: list[str] = []
    for field in ("category", "status", "visibility"):
        if field in values and getattr(article, field) != values[field]:
            setattr(article, field, values[field])
            changed.append(field)
    if "status" in changed and article.status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
        changed.append("published_at")
    if "translations" in values and _apply_translations(article, values["translations"]):
        changed.append("translations")
    if not changed:
        return article
    article.version += 1
    article.save()
    article_index(article)
    record_changed(
        "article",
        article.pk,
        "updated",
        changed_fields=[f for f in changed if f != "translations"],
        actor=actor,
    )
    return article


def article_publish(*, actor, article: Article, published: bool) -> Article:
    return article_update(
        actor=actor,
        article=article,
        data={"status": ArticleStatus.PUBLISHED if published else ArticleStatus.DRAFT},
    )


@transaction.atomic
def article_delete(*, actor, article: Article) -> None:
    require_article_manager(actor)
    pk = article.pk
    record_changed("article", pk, "deleted", actor=actor)
    article.delete()
    _bump_index_version()


# --- Search index ------------------------------------------------------------------------------


def _bump_index_version() -> None:
    changes = {"version": F("version") + 1, "stamp": uuid.uuid4().hex}
    if not SearchIndexState.objects.filter(pk=1).update(**changes):
        try:
            with transaction.atomic():
                SearchIndexState.objects.create(pk=1, version=1, stamp=changes["stamp"])
        except IntegrityError:
            SearchIndexState.objects.filter(pk=1).update(**changes)


def _entry_values(translation: ArticleTranslation) -> tuple[list[str], str]:
    body = text.plain_text(translation.body_html)
    title_tokens = text.tokenize(translation.title)
    # The title counts twice: it says what the article answers.
    tokens = title_tokens * 2 + text.tokenize(translation.summary) + text.tokenize(body)
    return tokens, text.document_text(translation.title, translation.summary, body)


def articles_index(articles) -> None:
    """Rewrite the search entries of `articles` (translations prefetched or not), embedding
    every version in one batch, and bump the index version."""
    translations = list(
        ArticleTranslation.objects.filter(article__in=[a.pk for a in articles]).order_by("pk")
    )
    prepared = [_entry_values(t) for t in translations]
    vectors = text.embed([document for _tokens, document in prepared])
    ArticleSearchEntry.objects.filter(article__in=[a.pk for a in articles]).delete()
    ArticleSearchEntry.objects.bulk_create(
        [
            ArticleSearchEntry(
                translation=translation,
                article_id=translation.article_id,
                tokens=" ".join(tokens),
                token_count=len(tokens),
                embedding=np.asarray(vector, dtype="<f4").tobytes(),
                model_name=text.EMBEDDING_MODEL,
            )
            for translation, (tokens, _document), vector in zip(
                translations, prepared, vectors, strict=True
            )
        ],
        batch_size=500,
    )
    _bump_index_version()


def article_index(article: Article) -> None:
    articles_index([article])


@transaction.atomic
def search_index_rebuild(*, batch_size: int = 200) -> int:
    """Re-index every article (after the embedding model or the tokenizer changed)."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        articles_index(list(Article.objects.filter(pk__in=ids[start : start + batch_size])))
    _bump_index_version()
    return len(ids)


# --- Attachments -------------------------------------------------------------------------------


def attachment_limit() -> int:
    return settings.RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES


@transaction.atomic
def attachment_add(
    *, actor, article: Article, filename: str, content_type: str, content: bytes
) -> ArticleAttachment:
    """Attach a file (or an image the body can show); refused above
    `RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES` and for types outside the allow-list."""
    require_article_manager(actor)
    errors = FieldErrors()
    name = clean_text(filename, "file", errors, limit=200, required=True)
    name = name.replace("/", "_").replace("\\", "_")
    limit = attachment_limit()
    if len(content) > limit:
        errors.add(
            "file",
            _("The file is too large: at most %(limit)s MB.")
            % {"limit": f"{limit / 1024 / 1024:g}"},
        )
    elif not content:
        errors.add("file", _("The file is empty."))
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in ALLOWED_ATTACHMENT_TYPES:
        errors.add(
            "file",
            _(
                "This kind of file cannot be attached: use an image, a PDF, a text, CSV, "
                "Word, Excel or ZIP file."
            ),
        )
    errors.raise_if_any()
    attachment = ArticleAttachment.objects.create(
        article=article, filename=name, content_type=kind, size=len(content), content=content
    )
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    record_changed("article", article.pk, "updated", changed_fields=["attachments"], actor=actor)
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment: ArticleAttachment) -> None:
    require_article_manager(actor)
    article_id = attachment.article_id
    attachment.delete()
    record_changed("article", article_id, "updated", changed_fields=["attachments"], actor=actor)


# --- Readers -----------------------------------------------------------------------------------


def article_record_view(*, article: Article) -> None:
    """Count one reading; not a change of the article (no announcement, no re-index)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_vote(*, article: Article, session_key: str, helpful) -> bool:
    """Record a reader's "was this helpful" once per session; a second answer changes the
    first. Returns whether the counts changed."""
    if not isinstance(helpful, bool):
        raise invalid("helpful", _("Choose yes or no."))
    if not session_key:
        raise ValidationFailed(
            _("Please correct the errors below."), {"session": [_("Cookies are needed to answer.")]}
        )
    vote = (
        ArticleVote.objects.select_for_update()
        .filter(article=article, session_key=session_key)
        .first()
    )
    if vote is not None and vote.helpful == helpful:
        return False
    if vote is None:
        ArticleVote.objects.create(article=article, session_key=session_key, helpful=helpful)
        delta = {"helpful_count": 1} if helpful else {"not_helpful_count": 1}
    else:
        vote.helpful = helpful
        vote.save(update_fields=["helpful"])
        delta = (
            {"helpful_count": 1, "not_helpful_count": -1}
            if helpful
            else {"helpful_count": -1, "not_helpful_count": 1}
        )
    Article.objects.filter(pk=article.pk).update(
        **{field: F(field) + step for field, step in delta.items()}
    )
    return True


def deflection_record(
    *, channel: str, query: str, article_ids: list[int], person_id: int | None = None
) -> Deflection:
    """Count a customer who saw suggested articles (`article_ids`, in the order shown) for
    `query` on `channel` and did not go on to submit a ticket or start a chat."""
    errors = FieldErrors()
    channel = clean_choice(channel, "channel", errors, choices=DeflectionChannel.values)
    query = clean_text(query, "query", errors, coerce=True)[:500]
    if not isinstance(article_ids, list | tuple) or not all(
        isinstance(pk, int) and not isinstance(pk, bool) for pk in article_ids
    ):
        errors.add("article_ids", _("Give the ids of the articles shown."))
    elif not article_ids:
        errors.add("article_ids", _("A deflection needs at least one article shown."))
    errors.raise_if_any()
    return Deflection.objects.create(
        channel=channel, query=query, article_ids=list(article_ids)[:20], person_id=person_id
    )
