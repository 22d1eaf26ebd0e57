"""The knowledge base's search: BM25 over the stored words plus cosine similarity of the stored
sentence embeddings, fused as a weighted sum.

Each process keeps the index in memory (the token postings, document lengths and a float32
matrix of the embeddings, about 2 KB per article version) and reloads it when
`SearchIndexState.stamp` differs from the copy's: one small query per search decides. A query
then costs one tokenisation, one embedding (a few milliseconds) and a matrix-vector product, and
the same code runs on SQLite and PostgreSQL since neither database ranks anything.

Scores: `words_score` is BM25 divided by the most the query's words could score (the sum of
their idf × (k1 + 1)), so 1.0 means every word matched strongly; `meaning_score` is the cosine
similarity of the question and the version; `score` = WORDS_WEIGHT × words + (1 − WORDS_WEIGHT)
× meaning. An article's score is its best version's. WORDS_WEIGHT was chosen on the dev half of
the labelled questions (tests/data/knowledge/, docs/benchmarks.md).
"""

import threading
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rapport.knowledge import text

K1 = 1.2
B = 0.75
WORDS_WEIGHT = 0.3

FLAG_PUBLISHED = 1
FLAG_PUBLIC = 2


@dataclass
class LoadedIndex:
    version: str
    article_ids: np.ndarray  # per entry
    languages: list[str]  # per entry
    flags: np.ndarray  # per entry: FLAG_PUBLISHED | FLAG_PUBLIC
    vectors: np.ndarray  # entries × dim
    lengths: np.ndarray  # tokens per entry
    average_length: float
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.article_ids)


@dataclass
class RankedEntry:
    article_id: int
    score: float
    words_score: float
    meaning_score: float
    language: str


def build_index(version: str, rows) -> LoadedIndex:
    """`rows`: (article_id, language, tokens, token_count, embedding bytes, status, visibility)."""
    article_ids, languages, flags, vectors, lengths = [], [], [], [], []
    term_docs: dict[str, list[int]] = {}
    term_freqs: dict[str, list[int]] = {}
    for position, (article_id, language, tokens, count, embedding, status, visibility) in enumerate(
        rows
    ):
        article_ids.append(article_id)
        languages.append(language)
        flags.append(
            (FLAG_PUBLISHED if status == "published" else 0)
            | (FLAG_PUBLIC if visibility == "public" else 0)
        )
        vector = np.frombuffer(bytes(embedding), dtype="<f4")
        if vector.shape[0] != text.EMBEDDING_DIM:
            vector = np.zeros(text.EMBEDDING_DIM, dtype=np.float32)
        vectors.append(vector)
        lengths.append(count)
        for term, frequency in Counter(tokens.split()).items():
            term_docs.setdefault(term, []).append(position)
            term_freqs.setdefault(term, []).append(frequency)
    total = len(article_ids)
    index = LoadedIndex(
        version=version,
        article_ids=np.asarray(article_ids, dtype=np.int64),
        languages=languages,
        flags=np.asarray(flags, dtype=np.int8),
        vectors=(
            np.vstack(vectors).astype(np.float32)
            if vectors
            else np.zeros((0, text.EMBEDDING_DIM), dtype=np.float32)
        ),
        lengths=np.asarray(lengths, dtype=np.float32),
        average_length=float(np.mean(lengths)) if lengths else 1.0,
    )
    for term, docs in term_docs.items():
        index.postings[term] = (
            np.asarray(docs, dtype=np.int64),
            np.asarray(term_freqs[term], dtype=np.float32),
        )
        n = len(docs)
        index.idf[term] = float(np.log(1 + (total - n + 0.5) / (n + 0.5)))
    return index


def words_scores(index: LoadedIndex, query_tokens: list[str]) -> np.ndarray:
    """BM25 of every entry for the query, divided by the most those words could score."""
    scores = np.zeros(index.size, dtype=np.float32)
    ceiling = 0.0
    norm = K1 * (1 - B + B * index.lengths / max(index.average_length, 1.0))
    for term, query_frequency in Counter(query_tokens).items():
        posting = index.postings.get(term)
        if posting is None:
            continue
        docs, frequencies = posting
        idf = index.idf[term]
        scores[docs] += query_frequency * idf * frequencies * (K1 + 1) / (frequencies + norm[docs])
        ceiling += query_frequency * idf * (K1 + 1)
    if ceiling > 0:
        scores /= ceiling
    return scores


def rank(
    index: LoadedIndex,
    query: str,
    *,
    mask: np.ndarray,
    limit: int,
    words_weight: float = WORDS_WEIGHT,
    query_vector: np.ndarray | None = None,
) -> list[RankedEntry]:
    """The best `limit` articles among the entries `mask` allows, one (its best version) each."""
    if index.size == 0 or not mask.any():
        return []
    words = words_scores(index, text.query_tokens(query))
    if query_vector is None:
        query_vector = text.embed([query])[0]
    # einsum, not BLAS: one thread with SIMD, about 1 ms for 10,000 versions, where a
    # multithreaded BLAS call on a busy two-core machine waits for its second thread.
    meaning = np.einsum("ij,j->i", index.vectors, query_vector)
    combined = words_weight * words + (1 - words_weight) * meaning
    combined[~mask] = -np.inf
    # Several versions of one article: keep each article's best. A few times `limit` versions
    # are enough to find `limit` articles (an article has one version per language).
    wanted = min(index.size, limit * 4)
    candidates = np.argpartition(-combined, wanted - 1)[:wanted]
    candidates = candidates[np.argsort(-combined[candidates], kind="stable")]
    ranked: list[RankedEntry] = []
    seen: set[int] = set()
    for position in candidates:
        if not np.isfinite(combined[position]):
            break
        article_id = int(index.article_ids[position])
        if article_id in seen:
            continue
        seen.add(article_id)
        ranked.append(
            RankedEntry(
                article_id=article_id,
                score=float(combined[position]),
                words_score=float(words[position]),
                meaning_score=float(meaning[position]),
                language=index.languages[position],
            )
        )
        if len(ranked) >= limit:
            break
    return ranked


_lock = threading.Lock()
_loaded: LoadedIndex | None = None


def current_index() -> LoadedIndex:
    """This process's copy of the index, reloaded when an article changed since it was read."""
    from rapport.knowledge.models import ArticleSearchEntry, SearchIndexState

    global _loaded
    version = SearchIndexState.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""
    loaded = _loaded
    if loaded is not None and loaded.version == version:
        return loaded
    with _lock:
        if _loaded is not None and _loaded.version == version:
            return _loaded
        rows = ArticleSearchEntry.objects.order_by("pk").values_list(
            "article_id",
            "translation__language",
            "tokens",
            "token_count",
            "embedding",
            "article__status",
            "article__visibility",
        )
        _loaded = build_index(version, rows.iterator(chunk_size=2000))
        return _loaded


def entry_mask(index: LoadedIndex, *, public_only: bool, include_drafts: bool) -> np.ndarray:
    if public_only:
        wanted = FLAG_PUBLISHED | FLAG_PUBLIC
        return (index.flags & wanted) == wanted
    if include_drafts:
        return np.ones(index.size, dtype=bool)
    return (index.flags & FLAG_PUBLISHED) == FLAG_PUBLISHED
