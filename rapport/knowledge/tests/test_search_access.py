"""What each reader's search may return: the public never sees drafts or internal articles."""

from rapport.knowledge import services
from rapport.knowledge.selectors import search_articles
from rapport.knowledge.tests.conftest import make_article


def test_public_search_never_returns_drafts_or_internal_articles(agent):
    public = make_article(agent, title="Return a kettle")
    make_article(agent, title="Return a kettle (internal)", visibility="internal")
    make_article(agent, title="Return a kettle (draft)", status="draft")

    hits = search_articles("return kettle", public_only=True, limit=10)

    assert [hit.article for hit in hits] == [public]


def test_staff_search_finds_internal_articles_but_not_drafts(agent, alice):
    internal = make_article(agent, title="Refund approval steps", visibility="internal")
    make_article(agent, title="Refund approval draft", status="draft")

    hits = search_articles("refund approval", user=alice, public_only=False, limit=10)

    assert [hit.article for hit in hits] == [internal]


def test_an_anonymous_staff_search_finds_nothing(agent):
    make_article(agent, title="Refunds", visibility="internal")

    assert search_articles("refund", user=None, public_only=False) == []


def test_an_english_question_finds_a_chinese_article(agent):
    chinese = services.article_create(
        actor=agent,
        data={
            "status": "published",
            "translations": {
                "zh-hans": {"title": "忘记密码如何找回", "body_html": "<p>点击忘记密码。</p>"}
            },
        },
    )
    make_article(agent, title="Delivery fees", body="<p>Orders over 99 ship free.</p>")

    hits = search_articles("I forgot my password", public_only=True, language="en", limit=1)

    assert hits[0].article == chinese
    assert hits[0].meaning_score > hits[0].words_score


def test_search_reads_the_index_once_it_is_loaded(agent, django_assert_max_num_queries):
    make_article(agent, title="Return a kettle")
    search_articles("kettle", public_only=True)

    # The index version, the articles and their translations.
    with django_assert_max_num_queries(3):
        search_articles("return", public_only=True)


def test_an_empty_question_finds_nothing(agent):
    make_article(agent)

    assert search_articles("   ", public_only=True) == []
