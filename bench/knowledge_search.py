#!/usr/bin/env python
"""Knowledge base search over 5,000 articles (issue 16, item 6): p50/p95 of `search_articles`.

The 5,000 articles are the labelled set's 63 (tests/data/knowledge/) varied by product model,
each in Chinese and English (10,000 indexed versions); they are written through the ORM in bulk
and indexed by `services.search_index_rebuild`. Then every labelled question is asked twice
(public search, as the help centre does) after one warm-up query that loads the index into the
process. Against a scratch database (the run deletes the knowledge base's articles first):

    RAPPORT_SQLITE_PATH=/tmp/kb.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/kb.sqlite3 .venv/bin/python bench/knowledge_search.py

(or with DATABASE_URL=postgres://... for PostgreSQL); `--reuse` searches what a previous run
wrote. It also prints the top-3 accuracy of the labelled questions among the 5,000.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MODELS_ZH = ["经典款", "升级款", "Pro 款", "mini 款", "旗舰款", "青春版", "家用款", "商用款"]
MODELS_EN = ["Classic", "Plus", "Pro", "Mini", "Flagship", "Lite", "Home", "Business"]


def build(count: int, data: list[dict]) -> tuple[float, float]:
    from django.db import transaction

    from rapport.knowledge import services
    from rapport.knowledge.models import Article, ArticleTranslation

    Article.objects.all().delete()
    started = time.perf_counter()
    with transaction.atomic():
        articles = Article.objects.bulk_create(
            [Article(status="published", visibility="public") for _ in range(count)],
            batch_size=1000,
        )
        translations = []
        for n, article in enumerate(articles):
            row = data[n % len(data)]
            variant = n // len(data)
            zh_model = f"{MODELS_ZH[variant % 8]} QH-{100 + variant}"
            en_model = f"{MODELS_EN[variant % 8]} QH-{100 + variant}"
            zh_title, en_title = row["zh"]["title"], row["en"]["title"]
            zh_body, en_body = row["zh"]["body"], row["en"]["body"]
            if variant:
                zh_title, en_title = f"{zh_title}（{zh_model}）", f"{en_title} ({en_model})"
                zh_body += f"<p>适用型号：{zh_model}。</p>"
                en_body += f"<p>Applies to {en_model}.</p>"
            translations += [
                ArticleTranslation(
                    article=article, language="zh-hans", title=zh_title, body_html=zh_body
                ),
                ArticleTranslation(
                    article=article, language="en", title=en_title, body_html=en_body
                ),
            ]
        ArticleTranslation.objects.bulk_create(translations, batch_size=1000)
    created_s = time.perf_counter() - started
    started = time.perf_counter()
    services.search_index_rebuild()
    return created_s, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--reuse", action="store_true", help="search what a previous run wrote")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from rapport.knowledge import search
    from rapport.knowledge.models import ArticleTranslation
    from rapport.knowledge.selectors import search_articles
    from rapport.knowledge.tests import labelled_set

    data = labelled_set.articles_data()["articles"]
    created_s = indexed_s = 0.0
    if not args.reuse:
        created_s, indexed_s = build(args.articles, data)
    # An article answers a question when its English title starts with the labelled article's.
    titles = {row["key"]: row["en"]["title"] for row in data}
    en_titles = dict(
        ArticleTranslation.objects.filter(language="en").values_list("article_id", "title")
    )

    questions = labelled_set.questions("dev") + labelled_set.questions("test")
    started = time.perf_counter()
    search_articles("warm-up 预热", public_only=True)
    load_s = time.perf_counter() - started
    index = search.current_index()
    durations = []
    answered = 0
    for round_ in range(2):
        for row in questions:
            started = time.perf_counter()
            hits = search_articles(row["question"], public_only=True, language="zh-hans", limit=5)
            durations.append((time.perf_counter() - started) * 1000)
            if round_ == 0:
                answered += any(
                    en_titles[hit.article.pk].startswith(titles[row["article"]]) for hit in hits[:3]
                )
    durations.sort()
    p95 = durations[int(len(durations) * 0.95) - 1]
    print(f"database: {connection.vendor}")
    print(f"articles: {args.articles} ({index.size} indexed versions, {len(index.postings)} terms)")
    if not args.reuse:
        print(f"written in {created_s:.1f} s, indexed (words + embeddings) in {indexed_s:.1f} s")
    print(f"first search (loads the index into the process): {load_s * 1000:.0f} ms")
    print(
        f"{len(durations)} searches: p50 {statistics.median(durations):.1f} ms, "
        f"p95 {p95:.1f} ms, max {durations[-1]:.1f} ms"
    )
    print(f"top-3 answers the question: {answered / len(questions):.3f}")


if __name__ == "__main__":
    main()
