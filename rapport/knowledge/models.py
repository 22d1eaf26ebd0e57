"""Tables of the knowledge base: articles in a category tree, their language versions, files,
the search index over the versions, and the record of answers shown to customers.

An `Article` carries what both languages share (category, status, visibility, counters); each
language is an `ArticleTranslation` (zh-Hans, en). The search index (`ArticleSearchEntry`) has
one row per translation: its words (jieba tokens for Chinese, lower-cased words for English, the
pinyin of the Chinese words) and its sentence embedding as float32 bytes; services rewrite it in
the same transaction as the translation and bump `SearchIndexState.version`, which tells every
process that its in-memory copy is stale (`rapport.knowledge.search`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel

# The languages Rapport speaks, named in the reader's language (lazy translations).
LANGUAGES = settings.LANGUAGES


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (staff only)")
    PUBLIC = "public", _("Public (help centre)")


class ArticleCategory(TimeStampedModel):
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("position", "name_en")
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")

    def __str__(self):
        return self.name_en or self.name_zh

    def name_in(self, language: str) -> str:
        if language.lower().startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh


class Article(TimeStampedModel):
    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=ArticleVisibility, default=ArticleVisibility.PUBLIC
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="knowledge_articles",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-updated_at", "-id")
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "visibility", "-updated_at"], name="kb_article_list"),
            models.Index(fields=["category", "status", "visibility"], name="kb_article_cat"),
            models.Index(fields=["-view_count"], name="kb_article_views"),
        ]

    def __str__(self):
        translation = self.translation_in("en")
        return translation.title if translation else f"#{self.pk}"

    @property
    def is_public(self) -> bool:
        return (
            self.status == ArticleStatus.PUBLISHED and self.visibility == ArticleVisibility.PUBLIC
        )

    def translation_in(self, language: str | None):
        """The version in `language`, else the other one (from prefetched translations)."""
        translations = list(self.translations.all())
        if not translations:
            return None
        wanted = (language or "").lower()
        wanted = "zh-hans" if wanted.startswith("zh") else ("en" if wanted else "")
        for translation in translations:
            if translation.language == wanted:
                return translation
        return sorted(translations, key=lambda t: t.language != "zh-hans")[0]


class ArticleTranslation(TimeStampedModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Sanitised with nh3 (services.sanitize_article_html) before it is stored.
    body_html = models.TextField(_("body"), blank=True)

    class Meta:
        ordering = ("language",)
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_translation_unique")
        ]

    def __str__(self):
        return self.title


class ArticleAttachment(TimeStampedModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    # In the database like the inbox's attachments, so a backup holds them.
    content = models.BinaryField()

    class Meta:
        ordering = ("filename", "id")
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


class ArticleSearchEntry(models.Model):
    """One translation as search sees it; written only by `services.article_index`."""

    translation = models.OneToOneField(
        ArticleTranslation, on_delete=models.CASCADE, related_name="search_entry"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="search_entries")
    # Space-separated tokens (a token never contains a space), repeated as often as they occur.
    tokens = models.TextField()
    token_count = models.PositiveIntegerField()
    # float32 little-endian, the embedding model's dimension (512), L2-normalised.
    embedding = models.BinaryField()
    model_name = models.CharField(max_length=60)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self):
        return f"{self.article_id}/{self.translation_id}"


class SearchIndexState(models.Model):
    """One row: bumped whenever an indexed article changes, so processes reload their copy.

    A process compares `stamp`, a new random value at every bump: a count alone could come back
    to a value a process loaded inside a transaction that was then rolled back."""

    version = models.PositiveBigIntegerField(default=0)
    stamp = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("search index state")

    def __str__(self):
        return str(self.version)


class ArticleVote(models.Model):
    """A reader's "was this helpful" answer, one per article and browser session."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    session_key = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "session_key"], name="kb_vote_once")
        ]

    def __str__(self):
        return f"{self.article_id}: {self.helpful}"


class DeflectionChannel(models.TextChoices):
    HELP_CENTRE = "help_centre", _("Help centre")
    TICKET_FORM = "ticket_form", _("Ticket form")
    CHAT = "chat", _("Chat")


class Deflection(models.Model):
    """A customer was shown suggested articles and did not go on to submit (a form or a chat)."""

    channel = models.CharField(_("channel"), max_length=20, choices=DeflectionChannel)
    query = models.CharField(_("question"), max_length=500)
    article_ids = models.JSONField(default=list)
    person_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self):
        return f"{self.channel}: {self.query}"
