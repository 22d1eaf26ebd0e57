import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from rapport.api.tests.conftest import ApiClient, client_for
from rapport.knowledge.models import Article, ArticleAttachment, ArticleSearchEntry, Deflection
from rapport.knowledge.tests.conftest import make_article


def test_the_help_centre_needs_no_sign_in_and_shows_only_public_published_articles(client, agent):
    public = make_article(agent, title="Return a kettle")
    internal = make_article(agent, title="Return desk procedure", visibility="internal")
    draft = make_article(agent, title="Return policy draft", status="draft")

    home = client.get(reverse("help:home")).content.decode()
    results = client.get(reverse("help:search"), {"q": "return"}).content.decode()

    assert "Return a kettle" in home
    assert "Return a kettle" in results
    assert "Return desk procedure" not in home + results
    assert "Return policy draft" not in home + results
    assert client.get(reverse("help:article", args=[public.pk])).status_code == 200
    assert client.get(reverse("help:article", args=[internal.pk])).status_code == 404
    assert client.get(reverse("help:article", args=[draft.pk])).status_code == 404


def test_reading_an_article_counts_a_view_and_a_vote_once(client, agent):
    article = make_article(agent)

    client.get(reverse("help:article", args=[article.pk]))
    client.post(reverse("help:vote", args=[article.pk]), {"helpful": "yes"})
    client.post(reverse("help:vote", args=[article.pk]), {"helpful": "yes"})
    refused = client.post(reverse("help:vote", args=[article.pk]), {"helpful": "maybe"})

    article.refresh_from_db()
    assert (article.view_count, article.helpful_count) == (1, 1)
    assert refused.status_code == 400


def test_the_help_centre_speaks_the_visitors_language(client, agent):
    article = make_article(
        agent,
        title="Forgot your password",
        translations={
            "zh-hans": {"title": "忘记密码如何找回", "body_html": "<p>点击忘记密码。</p>"},
            "en": {"title": "Forgot your password", "body_html": "<p>Choose Forgot password.</p>"},
        },
    )

    page = client.get(
        reverse("help:article", args=[article.pk]), headers={"accept-language": "zh-hans"}
    ).content.decode()

    assert "忘记密码如何找回" in page


def test_a_deflection_is_counted_from_the_help_centre(client, agent):
    article = make_article(agent)
    internal = make_article(agent, visibility="internal")

    client.post(reverse("help:deflected"), {"q": "return", "article": [article.pk, internal.pk]})

    assert Deflection.objects.get().article_ids == [article.pk]


def test_an_internal_articles_attachment_is_not_public(client, agent):
    article = make_article(agent, visibility="internal")
    client.force_login(agent)
    client.post(
        reverse("knowledge:attachment_upload", args=[article.pk]),
        {"file": _upload("steps.pdf", b"%PDF-1.4 steps", "application/pdf")},
    )
    attachment = ArticleAttachment.objects.get()
    client.logout()

    assert client.get(reverse("help:attachment", args=[attachment.pk])).status_code == 404


@override_settings(RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES=100)
def test_an_oversized_upload_is_refused_with_a_message(client, agent):
    article = make_article(agent)
    client.force_login(agent)

    response = client.post(
        reverse("knowledge:attachment_upload", args=[article.pk]),
        {"file": _upload("big.png", b"x" * 5000, "image/png")},
        follow=True,
    )

    assert "too large" in response.content.decode()
    assert not ArticleAttachment.objects.exists()


def test_an_agent_writes_and_publishes_an_article_in_the_editor(client, agent):
    client.force_login(agent)

    response = client.post(
        reverse("knowledge:article_create"),
        {
            "status": "draft",
            "visibility": "public",
            "zh_title": "退货运费由谁承担",
            "zh_body": "<p>质量问题由我们承担。</p><script>x()</script>",
            "en_title": "Who pays the return postage",
            "en_body": "<p>We do, for a faulty item.</p>",
        },
    )
    article = Article.objects.get()
    client.post(reverse("knowledge:article_publish", args=[article.pk]), {"published": "1"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published"
    preview = client.get(reverse("knowledge:article_detail", args=[article.pk])).content.decode()
    assert "退货运费由谁承担" in preview
    assert "<script>x()" not in preview


def test_a_representative_reads_but_may_not_edit(client, agent, alice):
    article = make_article(agent, visibility="internal")
    client.force_login(alice)

    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 200
    assert client.get(reverse("knowledge:article_create")).status_code == 403
    assert client.get(reverse("knowledge:article_edit", args=[article.pk])).status_code == 403


def test_the_article_list_costs_a_fixed_number_of_queries(
    client, agent, django_assert_max_num_queries
):
    for n in range(5):
        make_article(agent, title=f"Article {n}")
    client.force_login(agent)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("knowledge:article_list"), {"status": "published"})

    assert response.content.decode().count('data-testid="kb-row"') == 5


def test_the_api_creates_sanitises_and_lists_articles(agent):
    api = client_for(agent)

    created = api.post(
        "/knowledge/articles",
        {
            "status": "published",
            "visibility": "internal",
            "translations": {"en": {"title": "Steps", "body_html": "<b>ok</b><script>1</script>"}},
        },
    )
    listed = api.get("/knowledge/articles")

    assert created.status_code == 201
    assert created.json()["translations"][0]["body_html"] == "<b>ok</b>"
    assert [a["id"] for a in listed.json()["items"]] == [created.json()["id"]]


def test_the_api_refuses_bad_input_with_field_errors(agent):
    api = client_for(agent)

    response = api.post(
        "/knowledge/articles", {"status": "nope", "translations": {"xx": {"title": "t"}}}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert not Article.objects.exists()


def test_a_representative_may_not_write_through_the_api(alice):
    response = client_for(alice).post(
        "/knowledge/articles", {"translations": {"en": {"title": "t"}}}
    )

    assert response.status_code == 403


def test_a_draft_is_not_found_by_a_representative(agent, alice):
    draft = make_article(agent, status="draft")

    assert client_for(alice).get(f"/knowledge/articles/{draft.pk}").status_code == 404


def test_the_public_search_needs_no_key_and_hides_internal_articles(agent):
    make_article(agent, title="Return a kettle")
    make_article(agent, title="Return desk procedure", visibility="internal")

    response = ApiClient().get("/knowledge/public-search", {"q": "return", "limit": 5})

    assert response.status_code == 200
    assert [hit["title"] for hit in response.json()] == ["Return a kettle"]


@pytest.mark.parametrize("params", [{"q": "x", "limit": 0}, {"q": "x", "limit": "many"}, {}])
def test_the_public_search_refuses_bad_parameters(db, params):
    response = ApiClient().get("/knowledge/public-search", params)

    assert response.status_code == 422


def _upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_agent_gets_article_links_for_a_tickets_text(client, agent, alice):
    make_article(agent, title="How to return a product", body="<p>Send it back.</p>")
    make_article(agent, title="Return desk steps", visibility="internal")
    client.force_login(alice)

    fragment = client.get(
        reverse("knowledge:article_suggest"), {"q": "I want to send my kettle back"}
    ).content.decode()

    assert fragment.count('data-testid="kb-suggestion"') == 2
    assert "/help/a/" in fragment


def test_the_reindex_command_rebuilds_every_entry(agent):
    make_article(agent)
    ArticleSearchEntry.objects.all().delete()

    call_command("knowledge_reindex", stdout=io.StringIO())

    assert ArticleSearchEntry.objects.count() == 1
