#!/usr/bin/env python
"""Churn model at a million customers: training ≤ 5 min, scoring ≤ 1 min (issue 17).

Two parts, each timed step by step:

- **model** (always): the steps of `churn_train` and `churn_score` after the features are read
  — fit on the training cutoff, validation (AUC, precision at 10 %, calibration, permutation
  importance on 20,000 rows), the refit on the latest cutoff, then scoring: the probabilities,
  the reasons' effects (one prediction per candidate feature) and the reasons' codes for the
  customers at 0.5 risk or more — on N synthetic feature rows per cutoff (default 1,000,000),
  drawn so that churn depends on recency against the usual gap, spend trend, complaints and
  contacts, with the same columns and missing values as the real features.
- **run** (`--run`): `churn_train` and then `churn_score` as the weekly job runs them, on the
  database configured by the environment: this writes the churn tables (a run, every score).
- **features** (`--features`): `features_as_of` and `churned_after` at the three cutoffs on the
  database configured by the environment (read only; nothing is written), e.g.

      RAPPORT_SQLITE_PATH=/var/tmp/bench.sqlite3 .venv/bin/python bench/churn_scale.py --features

Prints one line per step and a JSON summary.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.analytics.churn import training  # noqa: E402
from rapport.analytics.churn.features import (  # noqa: E402
    NUMERIC_FEATURES,
    churned_after,
    customer_table,
    features_as_of,
)
from rapport.analytics.churn.reasons import reason_codes  # noqa: E402
from rapport.analytics.churn.services import (  # noqa: E402
    NEEDED_FOR_WORDS,
    REASONS_FROM,
    population_medians,
)

TRAIN_TARGET_S = 300
SCORE_TARGET_S = 60
REGIONS = 10


def synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frequency = 1 + rng.poisson(4, n).astype(float)
    gap = np.where(frequency > 1, rng.gamma(2.0, 30.0, n), np.nan)
    recency = rng.exponential(np.nan_to_num(gap, nan=120.0) * rng.uniform(0.3, 3.0, n))
    spend_prev = rng.gamma(1.5, 300.0, n) * (rng.random(n) < 0.6)
    trend = rng.normal(0, 0.5, n)
    spend_90 = np.maximum(0.0, spend_prev * (1 + trend)) * (recency < 90)
    complaints = rng.poisson(0.15, n).astype(float)
    contacts = rng.poisson(2.0, n).astype(float)
    frame = pd.DataFrame(
        {
            "recency_days": recency,
            "frequency": frequency,
            "money": frequency * rng.gamma(2.0, 150.0, n),
            "spend_90": spend_90,
            "spend_prev_90": spend_prev,
            "spend_trend": spend_90 - spend_prev,
            "orders_365": np.minimum(frequency, rng.poisson(3, n)).astype(float),
            "typical_gap_days": gap,
            "overdue_ratio": recency / np.clip(gap, 1, None),
            "tenure_days": recency + np.nan_to_num(gap, nan=0.0) * (frequency - 1),
            "interactions_90": contacts,
            "interaction_recency_days": np.where(
                contacts > 0, rng.exponential(30, n), rng.exponential(200, n)
            ),
            "tickets_90": complaints + rng.poisson(0.3, n),
            "complaints_90": complaints,
            "tickets_365": complaints + rng.poisson(1.0, n),
            "csat_mean": np.where(rng.random(n) < 0.3, rng.integers(1, 6, n), np.nan),
            "nps_mean": np.where(rng.random(n) < 0.2, rng.integers(0, 11, n), np.nan),
            "emails_90": rng.poisson(3, n).astype(float),
            "opens_90": rng.poisson(1, n).astype(float),
            "clicks_90": rng.poisson(0.3, n).astype(float),
            "is_company": (rng.random(n) < 0.05).astype(float),
        }
    )
    region = rng.integers(0, REGIONS + 2, n)
    for i in range(REGIONS):
        frame[f"region_{i}"] = (region == i).astype(float)
    overdue = np.nan_to_num(frame["overdue_ratio"].to_numpy(), nan=recency / 120.0)
    logit = (
        -1.5
        + 1.2 * np.log1p(overdue)
        - 0.4 * np.log1p(frequency)
        + 0.6 * complaints
        - 0.25 * np.log1p(contacts)
        - 0.5 * (trend > 0)
        + 0.3 * (region == 3)
    )
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["owner_id"] = 1
    return frame, churned


def timed(label: str, results: dict, fn, *args, **kwargs):
    """Run `fn`, keeping its wall time under `label` and its CPU time (this process: the
    database's work in SQLite, not PostgreSQL's server) under `label` + " cpu"."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    results[label] = round(time.perf_counter() - start, 2)
    results[f"{label} cpu"] = round(time.process_time() - cpu, 2)
    print(
        f"{label:<40} {results[label]:>8.2f} s wall {results[label + ' cpu']:>8.2f} s cpu"
        f"   load {Path('/proc/loadavg').read_text().split()[0]}",
        flush=True,
    )
    return value


def model_part(n: int, results: dict) -> None:
    columns = NUMERIC_FEATURES + [f"region_{i}" for i in range(REGIONS)]
    spec = {"regions": [f"Region {i}" for i in range(REGIONS)], "choices": []}
    train, y_train = timed("synthetic rows (not counted)", results, synthetic, n, 1)
    valid, y_valid = synthetic(n, 2)
    now, _unused = synthetic(n, 3)
    X_train = train[columns].to_numpy(float)
    X_valid = valid[columns].to_numpy(float)
    X_now = now[columns].to_numpy(float)
    print(f"rows per cutoff: {n:,}; churned: {y_train.mean():.1%} / {y_valid.mean():.1%}")

    model = timed("train: fit at T-2h", results, training.fit, X_train, y_train)
    validation = timed(
        "train: validate at T-h", results, training.validate, model, X_valid, y_valid, columns
    )
    final = timed("train: refit at T-h", results, training.fit, X_valid, y_valid)
    blob = timed("train: dump the model", results, training.dump, final)
    results["model_bytes"] = len(blob)
    results["auc"] = round(validation.auc, 4)
    results["precision_at_10"] = round(validation.precision_at_10, 4)

    def score():
        medians = population_medians(X_now, columns)
        candidates = [
            row["feature"]
            for row in validation.importance
            if row["importance"] > 0 and row["feature"] != "is_company"
        ][: training.REASON_CANDIDATES]
        p = timed("score: risk of every customer", results, training.predict, final, X_now)
        risky = np.flatnonzero(p >= REASONS_FROM)
        effect = training.effects(final, X_now[risky], p[risky], columns, candidates, medians)
        chosen = training.top_reasons(effect, candidates)
        rows = now.iloc[risky][
            NEEDED_FOR_WORDS + [c for c in columns if c.startswith("region_")]
        ].to_dict("records")
        reasons = [reason_codes(picks, row, spec) for picks, row in zip(chosen, rows, strict=True)]
        results["at risk"] = len(risky)
        return p, reasons

    _p, reasons = timed("score: risk, effects and reasons", results, score)
    results["with_reasons"] = len(reasons)
    results["train_total"] = round(sum(results[k] for k in results if k.startswith("train:")), 2)
    results["score_total"] = results["score: risk, effects and reasons"]
    print(
        f"training {results['train_total']} s (target {TRAIN_TARGET_S}), scoring "
        f"{results['score_total']} s (target {SCORE_TARGET_S}) without writing the scores; "
        f"AUC {results['auc']}, precision@10% {results['precision_at_10']}"
    )


def features_part(results: dict, horizon_days: int) -> None:
    now = timezone.now()
    horizon = datetime.timedelta(days=horizon_days)
    table = timed("features: customer table", results, customer_table)
    for name, cutoff, observed in (
        ("T-2h", now - 2 * horizon, now - horizon),
        ("T-h", now - horizon, now),
        ("T", now, None),
    ):
        frame = timed(f"features: as of {name}", results, features_as_of, table, cutoff)
        results[f"customers at {name}"] = len(frame)
        if observed is not None:
            labels = timed(
                f"features: labels at {name}",
                results,
                churned_after,
                table,
                frame.index,
                cutoff,
                horizon,
                observed_by=observed,
            )
            results[f"churned at {name}"] = int(labels.sum())
    print({k: v for k, v in results.items() if not k.startswith("features:")})


def run_part(results: dict) -> None:
    """`churn_train` (features at three cutoffs, two fits, validation, scoring with every score
    written) and then `churn_score` alone, on the configured database. Writes the churn tables
    (runs, scores) and may notify owners; nothing else."""
    from rapport.analytics.churn.models import ChurnScore
    from rapport.analytics.churn.services import churn_score, churn_train

    run = timed("run: churn_train", results, churn_train)
    results["run status"] = run.status
    results["run message"] = run.message
    results["scored"] = run.scored
    results["train size"], results["valid size"] = run.train_size, run.valid_size
    results["auc (real data)"] = run.auc
    if run.status == "trained":
        timed("run: churn_score", results, churn_score, run=run)
        results["score rows"] = ChurnScore.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", action="store_true")
    parser.add_argument("--horizon", type=int, default=180)
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument(
        "--run",
        action="store_true",
        help="time churn_train and churn_score on the configured database (writes the scores)",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    results: dict = {"rows": args.rows}
    if args.features:
        features_part(results, args.horizon)
    if args.run:
        run_part(results)
    if not args.skip_model:
        model_part(args.rows, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
