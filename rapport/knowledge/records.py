"""The knowledge base's record type, registered from `KnowledgeConfig.ready()` (see
`rapport.core.records`). An article belongs to no customer and no owner: the knowledge base is
shared by the whole staff, like the product catalogue."""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import record_columns
from rapport.core.records import RecordType, register_record_type


def article_json(article) -> dict:
    data = record_columns(article)
    data["translations"] = [
        {
            "language": translation.language,
            "title": translation.title,
            "summary": translation.summary,
        }
        for translation in article.translations.all()
    ]
    return data


def register() -> None:
    register_record_type(
        RecordType(
            key="article",
            model="knowledge.Article",
            label=_("Knowledge base article"),
            serialize=article_json,
            date_fields=("created_at", "published_at"),
            owner_field="",
        )
    )
