#!/usr/bin/env python
"""Duplicate scan speed: a full scan of every person (or company) into the review queue.

Runs the same service as `manage.py find_duplicates` and the Huey job, and prints the records
read, pairs compared, candidates stored, wall time of each phase and peak memory. Fill a
database first (see docs/benchmarks.md), for example:

    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python manage.py seed_demo \\
        --persons 1000000 --interactions 0
    RAPPORT_SQLITE_PATH=/tmp/bench.sqlite3 .venv/bin/python bench/dedup_scan.py

(or with DATABASE_URL=postgres://... for PostgreSQL). The target is under five minutes for a
million persons. `--labelled N` instead measures matching alone on N generated entities with
known duplicates and prints precision and recall.
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


def labelled(entities: int, seed: int) -> None:
    from rapport.dataio.demo import dedup_testdata
    from rapport.dataio.services.dedup.matching import find_duplicates

    records = dedup_testdata.generate(entities, seed=seed)
    truth = dedup_testdata.true_pairs(records)
    started = time.perf_counter()
    profiles = [dedup_testdata.record_profile(r) for r in records]
    stats: dict = {}
    found = set(find_duplicates(profiles, stats=stats))
    seconds = time.perf_counter() - started
    hits = len(found & truth)
    print(
        f"{len(records)} records, {len(truth)} true pairs, {stats['pairs_compared']} compared, "
        f"{len(found)} found: precision {hits / max(1, len(found)):.4f}, "
        f"recall {hits / max(1, len(truth)):.4f}, {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", default="person", choices=["person", "company"])
    parser.add_argument("--labelled", type=int, default=0, help="entities of labelled data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    if args.labelled:
        labelled(args.labelled, args.seed)
        return

    from rapport.dataio.services.dedup import profiles as profile_loader
    from rapport.dataio.services.dedup.matching import find_duplicates
    from rapport.dataio.services.dedup.scan import duplicates_scan

    if args.type == "person":
        # The phases on their own first, then the service end to end (its own timing).
        started = time.perf_counter()
        loaded = profile_loader.person_profiles()
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        stats: dict = {}
        found = find_duplicates(loaded, stats=stats)
        match_seconds = time.perf_counter() - started
        print(
            f"load {len(loaded)} profiles: {load_seconds:.1f} s; match: {match_seconds:.1f} s, "
            f"{stats['pairs_compared']} pairs compared, {len(found)} candidates"
        )
        del loaded, found
    started = time.perf_counter()
    result = duplicates_scan(record_type=args.type)
    print(
        f"full scan ({args.type}): {result.records} records, {result.pairs_compared} pairs "
        f"compared, {result.candidates} candidates stored, {time.perf_counter() - started:.1f} s; "
        f"peak memory {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
