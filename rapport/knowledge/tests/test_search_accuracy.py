"""Search quality on the labelled set's test split (the weight was tuned on the dev split).

The floors are the figures in docs/benchmarks.md minus a small margin: a change to the
tokenizer, the model or the fusion that makes search answer worse fails here.
"""

import pytest

from rapport.knowledge import search
from rapport.knowledge.selectors import search_articles
from rapport.knowledge.tests import labelled_set


@pytest.fixture
def labelled(admin_user):
    return labelled_set.load_articles(admin_user)


def ids_by(words_weight):
    def run(question):
        index = search.current_index()
        mask = search.entry_mask(index, public_only=True, include_drafts=False)
        return [
            entry.article_id
            for entry in search.rank(index, question, mask=mask, limit=3, words_weight=words_weight)
        ]

    return run


def test_labelled_set_is_large_enough():
    data = labelled_set.articles_data()
    assert len(data["articles"]) >= 60
    assert len(labelled_set.questions("dev")) + len(labelled_set.questions("test")) >= 200


def test_combined_search_answers_the_test_questions(labelled):
    top1, top3 = labelled_set.accuracy(
        labelled,
        "test",
        lambda q: [hit.article.pk for hit in search_articles(q, public_only=True, limit=3)],
    )

    assert top3 >= 0.94
    assert top1 >= 0.82


def test_meaning_adds_to_words_alone(labelled):
    words_top1, words_top3 = labelled_set.accuracy(labelled, "test", ids_by(1.0))
    _meaning_top1, meaning_top3 = labelled_set.accuracy(labelled, "test", ids_by(0.0))
    combined_top1, combined_top3 = labelled_set.accuracy(
        labelled, "test", ids_by(search.WORDS_WEIGHT)
    )

    assert words_top3 >= 0.86
    assert meaning_top3 >= 0.90
    assert combined_top3 > words_top3
    assert combined_top1 > words_top1
