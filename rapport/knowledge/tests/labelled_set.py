"""The labelled knowledge base (tests/data/knowledge/): a fictional appliance shop's help centre
and the questions its customers ask, each mapped to the article that answers it. Loaded through
the services, so the accuracy measured is that of the real index."""

import json
from pathlib import Path

from rapport.knowledge import services

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "knowledge"


def articles_data() -> dict:
    return json.loads((DATA / "articles.json").read_text(encoding="utf-8"))


def questions(split: str) -> list[dict]:
    rows = json.loads((DATA / "questions.json").read_text(encoding="utf-8"))
    return [row for row in rows if row["split"] == split]


def load_articles(actor) -> dict[int, str]:
    """Create the categories and the published public articles; returns article id → key."""
    data = articles_data()
    categories = {
        row["slug"]: services.category_create(
            actor=actor,
            data={"slug": row["slug"], "name_zh": row["zh"], "name_en": row["en"]},
        )
        for row in data["categories"]
    }
    keys = {}
    for row in data["articles"]:
        article = services.article_create(
            actor=actor,
            data={
                "category_id": categories[row["category"]].pk,
                "status": "published",
                "visibility": "public",
                "translations": {
                    "zh-hans": {"title": row["zh"]["title"], "body_html": row["zh"]["body"]},
                    "en": {"title": row["en"]["title"], "body_html": row["en"]["body"]},
                },
            },
        )
        keys[article.pk] = row["key"]
    return keys


def accuracy(keys: dict[int, str], split: str, search) -> tuple[float, float]:
    """Top-1 and top-3 accuracy of `search(question) -> [article ids]` on a split."""
    rows = questions(split)
    top1 = top3 = 0
    for row in rows:
        found = [keys[pk] for pk in search(row["question"])[:3]]
        top1 += found[:1] == [row["article"]]
        top3 += row["article"] in found
    return top1 / len(rows), top3 / len(rows)
