#!/usr/bin/env python
"""Lifetime value at a million customers: how long the fit and the predictions take (issue 17).

Two parts, each timed step by step:

- **model** (always): BG/NBD and gamma-gamma fitted by `rapport.analytics.lifetime.estimation`
  on N customers (default 1,000,000) drawn from the models with the CDNOW parameters (r 0.243,
  α 4.414, a 0.793, b 2.426; p 6.25, q 3.74, γ 15.44; first purchases spread over 39 weeks,
  times rounded to whole days as orders give them),
  then each customer's probability alive, purchases in 90 and 365 days and expected value —
  what `services.lifetime_fit` does after reading the input. The fitted parameters are printed
  next to the ones the data was drawn from.
- **input** (`--input`): `selectors.repeat_buying` (the grouped read of the orders) as of today
  on the database configured by the environment (read only), e.g.

      RAPPORT_SQLITE_PATH=/var/tmp/bench.sqlite3 .venv/bin/python bench/lifetime_scale.py --input

Prints one line per step and a JSON summary.
"""

import argparse
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
from django.utils import timezone  # noqa: E402

from rapport.analytics.lifetime import estimation  # noqa: E402
from rapport.analytics.lifetime.selectors import repeat_buying  # noqa: E402

DRAWN = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}


def synthetic(n: int, seed: int = 17):
    """x, t_x, T (weeks) and the mean repeat purchase value of `n` customers drawn from the
    models."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(DRAWN["r"], 1 / DRAWN["alpha"], n)
    dropout = rng.beta(DRAWN["a"], DRAWN["b"], n)
    T = rng.uniform(0, 39, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1 / np.maximum(rate[idx], 1e-12))
        bought = now[idx] < T[idx]
        hit = idx[bought]
        x[hit] += 1
        t_x[hit] = now[hit]
        # After a purchase the customer stays with probability 1 - p; past T the window ends.
        stays = rng.random(hit.size) >= dropout[hit]
        alive[idx] = False
        alive[hit[stays]] = True
    # Orders fall on days: times in whole days, in weeks (as `repeat_buying` gives them).
    T = np.round(T * 7) / 7
    t_x = np.minimum(np.round(t_x * 7) / 7, T)
    nu = rng.gamma(DRAWN["q"], 1 / DRAWN["v"], n)
    spend = np.where(x > 0, rng.gamma(DRAWN["p"] * np.maximum(x, 1), 1 / nu) / np.maximum(x, 1), 0)
    return x, t_x, T, spend


def step(name: str, results: dict, function):
    start = time.perf_counter()
    value = function()
    results[name] = round(time.perf_counter() - start, 2)
    print(f"{name}: {results[name]} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--input", action="store_true")
    args = parser.parse_args()
    results: dict = {"customers": args.customers, "cores": os.cpu_count()}
    x, t_x, T, m = step("draw", results, lambda: synthetic(args.customers))
    results["repeat_customers"] = int((x > 0).sum())
    purchases = step("fit_bgnbd", results, lambda: estimation.bgnbd_fit(x, t_x, T))
    spend = step("fit_gamma_gamma", results, lambda: estimation.gamma_gamma_fit(x, m))

    def predict():
        alive = estimation.probability_alive(purchases, x, t_x, T)
        next_90 = estimation.expected_purchases(purchases, 90 / 7, x, t_x, T)
        next_365 = estimation.expected_purchases(purchases, 365 / 7, x, t_x, T)
        return alive, next_90, next_365 * estimation.expected_purchase_value(spend, x, m)

    step("predict", results, predict)
    results["fitted"] = {
        **{k: round(float(getattr(purchases, k)), 3) for k in ("r", "alpha", "a", "b")},
        **{k: round(float(getattr(spend, k)), 3) for k in ("p", "q", "v")},
    }
    results["drawn"] = DRAWN
    if args.input:
        data = step("read_input", results, lambda: repeat_buying(timezone.localdate()))
        results["input_customers"] = len(data)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
