#!/usr/bin/env python
"""Recommendations measured offline: hit rate at 5 on a time split, against popularity; and the
mining's time at scale.

    # the demo data (a database filled by `manage.py seed_demo`):
    RAPPORT_SQLITE_PATH=/tmp/demo.sqlite3 .venv/bin/python bench/recommend_offline.py demo
    # a CSV of purchases (customer,product,date[,...]; e.g. tests/data/recommend/*.csv):
    .venv/bin/python bench/recommend_offline.py csv PATH [--split 2011-09-01]
    # a public data set read from the package that ships it (see DATASETS), e.g. MovieLens 100k
    # from the RecBole wheel (downloaded, not installed: it needs torch):
    pip download --no-deps recbole==1.2.1 -d /var/tmp/recbole
    .venv/bin/python bench/recommend_offline.py dataset ml-100k \
        --source /var/tmp/recbole/recbole-1.2.1-py3-none-any.whl
    # the mining alone on N synthetic order lines (no database):
    .venv/bin/python bench/recommend_offline.py scale --lines 10000000

The split: the rules are mined from the purchases before the split day T (exactly as the nightly
job mines them, `mining.mine_associations`, customer-level, 60-day window, at least 3 customers a
pair); each customer who had bought something before T and bought a product new to them in the
`--horizon` days after T is a test case. A hit: one of the 5 products offered (never one they
had) is among those new products. "Rules" ranks the products the rules of their products point
to by the best rule's confidence, then fills up with the most bought (as the person page does);
"popularity" offers the most bought products before T that they don't have.
"""

import argparse
import csv
import datetime
import os
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from scipy import sparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from rapport.analytics.recommend.mining import Purchases, mine_associations  # noqa: E402

K = 5
EPOCH = datetime.date(1970, 1, 1)


def evaluate(purchases: Purchases, split_day: int, horizon_days: int, *, min_customers: int = 3):
    before = purchases.first_days < split_day
    train = Purchases.from_arrays(
        purchases.customers[before], purchases.products[before], purchases.first_days[before]
    )
    after = (~before) & (purchases.first_days < split_day + horizon_days)
    started = time.monotonic()
    rules = mine_associations(train, as_of_day=split_day, min_customers=min_customers)
    mining_s = time.monotonic() - started

    index = {int(p): i for i, p in enumerate(rules.product_ids)}
    n = len(rules.product_ids)
    confidence = sparse.csr_matrix(
        (
            rules.confidence,
            ([index[int(p)] for p in rules.product], [index[int(p)] for p in rules.other]),
        ),
        shape=(n, n),
    )
    popular = np.argsort(-rules.buyers, kind="stable")

    owned: dict[int, list[int]] = {}
    for customer, product in zip(train.customers, train.products, strict=True):
        owned.setdefault(int(customer), []).append(index[int(product)])
    new: dict[int, set[int]] = {}
    for customer, product in zip(
        purchases.customers[after], purchases.products[after], strict=True
    ):
        if int(customer) in owned and int(product) in index:
            new.setdefault(int(customer), set()).add(index[int(product)])

    hits = {"rules": 0, "popularity": 0}
    from_rules = 0
    for customer, bought in new.items():
        have = owned[customer]
        have_set = set(have)
        fill = [p for p in popular[: K + len(have)] if p not in have_set]
        scores = confidence[have].max(axis=0).toarray().ravel()
        scores[have] = 0
        ranked = [int(p) for p in np.argsort(-scores, kind="stable")[:K] if scores[p] > 0]
        from_rules += len(ranked)
        offered = ranked + [p for p in fill if p not in ranked][: K - len(ranked)]
        hits["rules"] += bool(bought & set(offered))
        hits["popularity"] += bool(bought & set(fill[:K]))
    cases = len(new)
    return {
        "customers_before": len(owned),
        "products": n,
        "pairs": len(rules.product),
        "cases": cases,
        "rules": hits["rules"] / cases if cases else float("nan"),
        "popularity": hits["popularity"] / cases if cases else float("nan"),
        "from_rules": from_rules / (K * cases) if cases else float("nan"),
        "mining_s": mining_s,
    }


def _day(value: datetime.date) -> int:
    return (value - EPOCH).days


def _print(name: str, split: datetime.date, horizon: int, result: dict, lines: int) -> None:
    print(
        f"| {name} | {lines:,} | {result['customers_before']:,} | {result['products']:,} | "
        f"{split.isoformat()} + {horizon} d | {result['cases']:,} | "
        f"{result['rules']:.1%} | {result['popularity']:.1%} | {result['from_rules']:.0%} | "
        f"{result['pairs']:,} |"
    )


HEADER = (
    "| data | purchases (customer, product) | customers before T | products | T + horizon | "
    "test customers | hit rate @5, rules | hit rate @5, popularity | offers from rules | "
    "pairs kept |\n|---|---|---|---|---|---|---|---|---|---|"
)


def run_demo(args) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from rapport.analytics.recommend.services import purchases_before

    started = time.monotonic()
    purchases = purchases_before(timezone.now())
    read_s = time.monotonic() - started
    last = int(purchases.first_days.max())
    split_day = last - args.horizon if not args.split else _day(args.split)
    result = evaluate(purchases, split_day, args.horizon)
    print(HEADER)
    _print("demo", EPOCH + datetime.timedelta(days=split_day), args.horizon, result, len(purchases))
    print(f"\nread from the database in {read_s:.1f} s; mined in {result['mining_s']:.2f} s")


def run_csv(args) -> None:
    keys: dict[str, int] = {}
    products: dict[str, int] = {}
    customers, items, days = [], [], []
    with open(args.path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            customers.append(keys.setdefault(row["customer"], len(keys)))
            items.append(products.setdefault(row["product"], len(products)))
            days.append(_day(datetime.date.fromisoformat(row["date"][:10])))
    purchases = Purchases.from_arrays(customers, items, days)
    last = int(purchases.first_days.max())
    split_day = last - args.horizon if not args.split else _day(args.split)
    result = evaluate(purchases, split_day, args.horizon)
    print(HEADER)
    _print(Path(args.path).name, EPOCH + datetime.timedelta(days=split_day), args.horizon, result,
           len(purchases))  # fmt: skip


# Public data sets with a customer, an item and a time that ship inside a PyPI package: the member
# inside the wheel (or under an unpacked package directory) and how its rows read.
DATASETS = {
    # MovieLens 100k (GroupLens; 100,000 ratings of 1,682 films by 943 users, Sep 1997 - Apr 1998)
    # as RecBole 1.2.1 ships it for its examples: a tab-separated file with a header row.
    "ml-100k": {
        "package": "recbole==1.2.1",
        "member": "recbole/dataset_example/ml-100k/ml-100k.inter",
    },
}


def _dataset_lines(name: str, source: Path):
    member = DATASETS[name]["member"]
    if source.is_dir():
        with open(source / member, encoding="utf-8") as file:
            yield from file
        return
    with zipfile.ZipFile(source) as wheel, wheel.open(member) as file:
        for line in file:
            yield line.decode("utf-8")


def run_dataset(args) -> None:
    """A rating counts as a purchase of the item on the rating's day (ratings under
    `--min-rating` are left out): the customer-level baskets, the first day of each pair and
    the same `evaluate` as the database's purchases."""
    customers, items, days = [], [], []
    lines = _dataset_lines(args.name, args.source)
    next(lines)  # user_id:token  item_id:token  rating:float  timestamp:float
    for line in lines:
        user, item, rating, stamp = line.rstrip("\n").split("\t")
        if float(rating) < args.min_rating:
            continue
        customers.append(int(user))
        items.append(int(item))
        days.append(int(float(stamp)) // 86400)
    purchases = Purchases.from_arrays(customers, items, days)
    last = int(purchases.first_days.max())
    split_day = last - args.horizon if not args.split else _day(args.split)
    result = evaluate(purchases, split_day, args.horizon)
    print(HEADER)
    label = args.name + (f" (rating ≥ {args.min_rating:g})" if args.min_rating else "")
    _print(label, EPOCH + datetime.timedelta(days=split_day), args.horizon, result,
           len(purchases))  # fmt: skip


def run_scale(args) -> None:
    """The mining alone on `--lines` order lines of `--customers` customers over `--products`
    products (a customer's lines drawn from a few favourite categories, so that pairs exist),
    reduced to distinct (customer, product) first purchases as the database's GROUP BY does."""
    rng = np.random.default_rng(7)
    lines, n_customers, n_products = args.lines, args.customers, args.products
    started = time.monotonic()
    customers = (n_customers * rng.random(lines) ** 1.5).astype(np.int64)
    category = (customers * 7919) % (n_products // 20)
    products = category * 20 + rng.integers(0, 20, lines)
    mixed = rng.random(lines) < 0.3
    products[mixed] = rng.integers(0, n_products, int(mixed.sum()))
    days = rng.integers(0, 730, lines)
    made_s = time.monotonic() - started
    started = time.monotonic()
    purchases = Purchases.from_arrays(customers, products, days)
    dedup_s = time.monotonic() - started
    started = time.monotonic()
    rules = mine_associations(purchases, as_of_day=730)
    mine_s = time.monotonic() - started
    print(
        f"{lines:,} lines (made in {made_s:.1f} s) -> {len(purchases):,} customer-product "
        f"purchases of {rules.customers:,} customers, {n_products:,} products: reduced in "
        f"{dedup_s:.1f} s, mined in {mine_s:.1f} s, {len(rules.product):,} pairs kept"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for name in ("demo", "csv", "dataset"):
        mode = sub.add_parser(name)
        if name == "csv":
            mode.add_argument("path")
        if name == "dataset":
            mode.add_argument("name", choices=sorted(DATASETS))
            mode.add_argument(
                "--source", type=Path, required=True, help="the wheel, or its unpacked directory"
            )
            mode.add_argument("--min-rating", type=float, default=0.0)
        mode.add_argument("--split", type=datetime.date.fromisoformat, default=None,
                          help="T (default: the horizon before the last purchase)")  # fmt: skip
        mode.add_argument("--horizon", type=int, default=90, help="days after T (default 90)")
    scale = sub.add_parser("scale")
    scale.add_argument("--lines", type=int, default=10_000_000)
    scale.add_argument("--customers", type=int, default=1_000_000)
    scale.add_argument("--products", type=int, default=2_000)
    args = parser.parse_args()
    modes = {"demo": run_demo, "csv": run_csv, "dataset": run_dataset, "scale": run_scale}
    modes[args.mode](args)


if __name__ == "__main__":
    main()
