import pytest
from django.test import override_settings

from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.events import _handlers, subscribe
from rapport.core.records import RecordChanged
from rapport.knowledge import services
from rapport.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleSearchEntry,
    Deflection,
    SearchIndexState,
)
from rapport.knowledge.selectors import search_articles
from rapport.knowledge.tests.conftest import make_article


def test_script_and_event_handlers_are_removed_from_the_body(agent):
    article = make_article(
        agent,
        body='<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><img src="/x.png" onerror="boom()">'
        '<iframe src="/"></iframe>',
    )

    body = article.translations.get().body_html
    assert "<script" not in body
    assert "onclick" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert "<iframe" not in body
    assert "<p>Hi</p>" in body


def test_a_sales_representative_may_not_write_articles(alice):
    with pytest.raises(PermissionDenied):
        make_article(alice)

    assert not Article.objects.exists()


def test_an_article_without_any_text_is_refused_and_nothing_is_saved(agent):
    with pytest.raises(ValidationFailed) as refused:
        services.article_create(
            actor=agent,
            data={"status": "published", "translations": {"en": {"title": "", "body_html": ""}}},
        )

    assert "translations" in refused.value.details
    assert not Article.objects.exists()


def test_unknown_language_status_and_fields_are_refused(agent):
    with pytest.raises(ValidationFailed) as refused:
        services.article_create(
            actor=agent,
            data={
                "status": "live",
                "visibility": "everyone",
                "colour": "red",
                "translations": {"fr": {"title": "Bonjour"}, "en": {"title": "x" * 201}},
            },
        )

    assert set(refused.value.details) >= {
        "status",
        "visibility",
        "colour",
        "translations",
        "translations.en.title",
    }
    assert not Article.objects.exists()


def test_saving_an_article_indexes_each_language_and_bumps_the_index_version(agent):
    article = services.article_create(
        actor=agent,
        data={
            "status": "published",
            "translations": {
                "zh-hans": {"title": "如何开具发票", "body_html": "<p>下单时勾选开具发票。</p>"},
                "en": {"title": "How to get an invoice", "body_html": "<p>Tick Invoice.</p>"},
            },
        },
    )

    entries = ArticleSearchEntry.objects.filter(article=article)
    zh = entries.get(translation__language="zh-hans")
    assert "发票" in zh.tokens.split()
    assert "fapiao" in zh.tokens.split()
    assert len(zh.embedding) == 512 * 4
    assert "invoice" in entries.get(translation__language="en").tokens.split()
    assert SearchIndexState.objects.get().version == 1


def test_an_edit_is_found_by_the_next_search(agent):
    article = make_article(agent, title="Delivery times", body="<p>One to three days.</p>")
    assert search_articles("refund", public_only=True, limit=1)[0].article == article

    services.article_update(
        actor=agent,
        article=article,
        data={"translations": {"en": {"title": "Refunds", "body_html": "<p>Money back.</p>"}}},
    )

    hit = search_articles("refund", public_only=True, limit=1)[0]
    assert hit.translation.title == "Refunds"
    assert hit.words_score > 0


def test_a_stale_version_is_a_conflict(agent):
    article = make_article(agent)
    services.article_update(actor=agent, article=article, data={"status": "draft", "version": 1})

    with pytest.raises(Conflict):
        services.article_update(
            actor=agent, article=article, data={"status": "published", "version": 1}
        )


def test_every_change_is_announced_as_an_article_record(agent):
    seen = []

    def handler(event):
        seen.append((event.record_type, event.operation))

    subscribe(RecordChanged)(handler)
    try:
        article = make_article(agent)
        services.article_publish(actor=agent, article=article, published=False)
        services.article_delete(actor=agent, article=article)
    finally:
        _handlers[RecordChanged].remove(handler)

    assert seen == [("article", "created"), ("article", "updated"), ("article", "deleted")]


@override_settings(RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES=1000)
def test_an_oversized_attachment_is_refused(agent):
    article = make_article(agent)

    with pytest.raises(ValidationFailed) as refused:
        services.attachment_add(
            actor=agent,
            article=article,
            filename="manual.pdf",
            content_type="application/pdf",
            content=b"x" * 1001,
        )

    assert "file" in refused.value.details
    assert not ArticleAttachment.objects.exists()


def test_an_executable_attachment_is_refused(agent):
    article = make_article(agent)

    with pytest.raises(ValidationFailed):
        services.attachment_add(
            actor=agent,
            article=article,
            filename="setup.html",
            content_type="text/html",
            content=b"<script>",
        )


def test_a_second_vote_of_the_same_session_changes_the_first(agent):
    article = make_article(agent)

    services.article_vote(article=article, session_key="s1", helpful=True)
    services.article_vote(article=article, session_key="s1", helpful=True)
    services.article_vote(article=article, session_key="s2", helpful=True)
    services.article_vote(article=article, session_key="s1", helpful=False)

    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)


def test_a_deflection_is_counted_with_the_articles_shown(agent):
    article = make_article(agent)

    services.deflection_record(channel="chat", query="退货", article_ids=[article.pk])

    deflection = Deflection.objects.get()
    assert (deflection.channel, deflection.article_ids) == ("chat", [article.pk])


def test_a_deflection_without_articles_or_with_an_unknown_channel_is_refused(db):
    with pytest.raises(ValidationFailed) as refused:
        services.deflection_record(channel="fax", query="x", article_ids=[])

    assert set(refused.value.details) == {"channel", "article_ids"}
