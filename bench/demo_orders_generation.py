#!/usr/bin/env python
"""The bulk demo's order generator alone (`bulk_sales._Orders.batch`): N orders of 20,000
persons and 1,000 companies over the demo catalogue, generated and thrown away (no database
read or write), timed in wall and CPU time. `--module` times another version of bulk_sales.py,
e.g. the one before the customers' habits (issue 17):

    git show 64f31f7:rapport/dataio/demo/bulk_sales.py > /var/tmp/bulk_sales_before.py
    .venv/bin/python bench/demo_orders_generation.py --module /var/tmp/bulk_sales_before.py
    .venv/bin/python bench/demo_orders_generation.py
"""

import argparse
import importlib.util
import inspect
import os
import random
import sys
import time
from array import array
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from rapport.dataio.demo.sales_names import PRODUCTS  # noqa: E402


class Customers:
    """What `_Customers` reads from the database, made up: ids, one owner, one team."""

    def __init__(self, count: int):
        self.ids = array("q", range(1, count + 1))
        self.owners = array("q", [1] * count)
        self.teams = array("q", [1] * count)

    def __len__(self) -> int:
        return len(self.ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--module", type=Path, help="another bulk_sales.py to time")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.module:
        spec = importlib.util.spec_from_file_location("bulk_sales_timed", args.module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        from rapport.dataio.demo import bulk_sales as module
    products = [(i + 1, name, int(float(price) * 100)) for i, (_s, name, _c, price) in
                enumerate(PRODUCTS)]  # fmt: skip
    kinds = [(i + 1, sku, category) for i, (sku, _n, category, _p) in enumerate(PRODUCTS)]
    takes_kinds = "kinds" in inspect.signature(module._Orders).parameters
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        maker = module._Orders(
            random.Random(17),
            module._Calendar(timezone.now()),
            products,
            None,
            Customers(20_000),
            Customers(1_000),
            [],
            args.orders,
            None,
            *([kinds] if takes_kinds else []),
        )
        index = 0
        for offset in range(0, args.orders, 50_000):
            size = min(50_000, args.orders - offset)
            *_rows, index = maker.batch(1 + offset, size, index)
        print(
            f"{args.orders:,} orders generated in {time.perf_counter() - wall:.2f} s wall, "
            f"{time.process_time() - cpu:.2f} s CPU (load average "
            f"{Path('/proc/loadavg').read_text().split()[0]})",
            flush=True,
        )


if __name__ == "__main__":
    main()
