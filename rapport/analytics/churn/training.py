"""The model itself, over plain arrays: fit, validate, score, explain. Nothing here reads the
database, so the benchmark runs the same code on synthetic rows (bench/churn_scale.py).

Gradient boosting (scikit-learn's HistGradientBoostingClassifier): it takes missing values as
they are (no CSAT answer, a single order and so no gap), finds thresholds and interactions
(recency matters relative to the usual gap) without hand-made terms, and bins features, so a
million rows fit in well under a minute on two cores. docs/decisions.md, "Churn model".
"""

import io
from dataclasses import dataclass, field

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

MIN_CUSTOMERS = 200
MIN_PER_CLASS = 20
IMPORTANCE_SAMPLE = 5_000
CALIBRATION_BINS = 10
# How many of the most important features are tried for each customer's reasons, how much a
# feature must raise the risk to be a reason, and how many reasons are kept.
REASON_CANDIDATES = 6
REASON_MIN_EFFECT = 0.02
REASONS_KEPT = 3
# Fits and predictions run on one thread. On two cores shared with the web server and other
# jobs, OpenMP's spinning threads made them ten to twenty times slower than one thread
# (measured: 100,000 rows, 20 trees: 13 s on one thread, 214 s on two, the machine busy).
THREADS = 1
# A fit sees at most this many customers, drawn at random: past a few hundred thousand rows 30
# features gain no accuracy, and the training time stays bounded at a million customers.
MAX_FIT_ROWS = 250_000


def _threads():
    return threadpool_limits(limits=THREADS)


class TooLittleData(Exception):
    pass


@dataclass
class Validation:
    auc: float
    precision_at_10: float
    base_rate: float
    calibration: list[dict]
    importance: list[dict] = field(default_factory=list)


def check_enough(y: np.ndarray, what: str) -> None:
    churned = int(y.sum())
    kept = len(y) - churned
    if len(y) < MIN_CUSTOMERS or churned < MIN_PER_CLASS or kept < MIN_PER_CLASS:
        raise TooLittleData(
            f"{what}: {len(y)} customers, {churned} churned, {kept} stayed "
            f"(at least {MIN_CUSTOMERS} customers and {MIN_PER_CLASS} of each are needed)"
        )


def new_model() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    )


def fit(X: np.ndarray, y: np.ndarray, *, seed: int = 0) -> HistGradientBoostingClassifier:
    if len(y) > MAX_FIT_ROWS:
        keep = np.random.default_rng(seed).choice(len(y), size=MAX_FIT_ROWS, replace=False)
        X, y = X[keep], y[keep]
    # A column without a single value (no survey ever answered) cannot be binned; as a
    # constant it is never split on, so what it holds when scoring does not matter.
    empty = np.isnan(X).all(axis=0)
    if empty.any():
        X = X.copy()
        X[:, empty] = 0.0
    with _threads():
        return new_model().fit(X, y)


def precision_at(y: np.ndarray, p: np.ndarray, share: float = 0.1) -> float:
    """The share of churners among the `share` of customers the model ranks riskiest."""
    top = max(1, round(len(p) * share))
    order = np.argsort(-p, kind="stable")[:top]
    return float(y[order].mean())


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Reliability: per tenth of predicted risk, the mean prediction and the observed rate."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        if count:
            rows.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "predicted": round(float(p[mask].mean()), 4),
                    "observed": round(float(y[mask].mean()), 4),
                    "count": count,
                }
            )
    return rows


def validate(
    model, X: np.ndarray, y: np.ndarray, columns: list[str], *, seed: int = 0
) -> Validation:
    """AUC, precision at the top 10 %, calibration and permutation importance (the drop in AUC
    when a column is shuffled, on at most IMPORTANCE_SAMPLE rows) on held-out rows."""
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(y), size=min(len(y), IMPORTANCE_SAMPLE), replace=False)
    with _threads():
        p = model.predict_proba(X)[:, 1]
    with _threads():
        result = permutation_importance(
            model, X[sample], y[sample], scoring="roc_auc", n_repeats=2, random_state=seed
        )
    importance = sorted(
        (
            {"feature": name, "importance": round(float(value), 4)}
            for name, value in zip(columns, result.importances_mean, strict=True)
        ),
        key=lambda row: -row["importance"],
    )
    return Validation(
        auc=float(roc_auc_score(y, p)),
        precision_at_10=precision_at(y, p),
        base_rate=float(y.mean()),
        calibration=calibration_bins(y, p),
        importance=importance,
    )


def predict(model, X: np.ndarray) -> np.ndarray:
    """Each row's probability of churning."""
    with _threads():
        return model.predict_proba(X)[:, 1]


def effects(
    model,
    X: np.ndarray,
    p: np.ndarray,
    columns: list[str],
    candidates: list[str],
    medians: dict[str, float],
) -> np.ndarray:
    """For each row of `X` (risk `p`) and each candidate feature, how much this customer's
    value raises the risk: the risk minus the risk with the value replaced by the population's
    median (a plain, honest stand-in for SHAP values, which scikit-learn lacks). Shape (rows,
    candidates); one prediction per candidate."""
    out = np.zeros((len(X), len(candidates)))
    with _threads():
        for j, name in enumerate(candidates):
            i = columns.index(name)
            median = medians.get(name, 0.0)
            # A customer whose value is the median's has no effect (the same row predicts the
            # same risk): only the others are predicted again, for counts mostly zero (tickets,
            # complaints) a small part of the rows.
            rows = np.flatnonzero(X[:, i] != median)
            if not len(rows):
                continue
            replaced = X[rows]  # fancy indexing copies
            replaced[:, i] = median
            out[rows, j] = p[rows] - model.predict_proba(replaced)[:, 1]
    return out


def top_reasons(effect: np.ndarray, candidates: list[str]) -> list[list[str]]:
    """Per row, the candidate features that raise the risk most (largest first)."""
    order = np.argsort(-effect, axis=1)[:, :REASONS_KEPT]
    chosen = []
    for row, picks in zip(effect, order, strict=True):
        chosen.append([candidates[j] for j in picks if row[j] >= REASON_MIN_EFFECT])
    return chosen


def dump(model) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def load(data: bytes):
    return joblib.load(io.BytesIO(bytes(data)))
