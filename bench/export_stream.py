#!/usr/bin/env python
"""Export speed and memory: stream every person an administrator sees to CSV or .xlsx.

Runs the same service as the Export button (`export_plan` → `export_response`) in-process and
reads the response to the end, writing it to a file (or discarding it), then prints rows, time,
rows per second and the process's peak resident memory before and after. Fill a database first
(see docs/benchmarks.md), for example:

    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py seed_demo \\
        --persons 1000000 --interactions 0
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/export_stream.py --format csv

(or with DATABASE_URL=postgres://... for PostgreSQL). Memory is flat when the peak after the
export is close to the peak before it, whatever the number of rows.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record-type", default="persons")
    parser.add_argument("--format", default="csv", choices=["csv", "csv_gbk", "xlsx"])
    parser.add_argument("--columns", default="", help="comma-separated column keys (default: all)")
    parser.add_argument("--output", default=os.devnull, help="where to write the file")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.http import QueryDict

    from rapport.accounts.models import Role, User
    from rapport.dataio.services.exports import export_plan, export_response

    admin = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).order_by("pk").first()
    if admin is None:
        from rapport.accounts.services import user_create

        admin = user_create(
            username="bench_admin", password=os.urandom(16).hex(), role=Role.ADMINISTRATOR
        )
    params = QueryDict(mutable=True)
    params["format"] = args.format
    if args.columns:
        params["columns"] = args.columns
    before = peak_rss_mb()
    started = time.perf_counter()
    plan = export_plan(actor=admin, record_type=args.record_type, params=params)
    response = export_response(actor=admin, plan=plan)
    size = 0
    with open(args.output, "wb") as out:
        for chunk in response.streaming_content:
            size += len(chunk)
            out.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    from rapport.dataio.models import ExportLog

    rows = ExportLog.objects.order_by("-pk").values_list("row_count", flat=True).first()
    print(
        f"{connection.vendor}: {args.record_type} as {args.format}, {len(plan.columns)} columns: "
        f"{rows:,} rows, {size / 1e6:,.0f} MB in {seconds:,.1f} s ({rows / seconds:,.0f} rows/s); "
        f"peak RSS {before:,.0f} MB before, {peak_rss_mb():,.0f} MB after"
    )


if __name__ == "__main__":
    main()
