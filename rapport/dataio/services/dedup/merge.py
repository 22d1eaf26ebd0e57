"""Merging two persons (or two companies) into one, and undoing a merge.

The survivor keeps its id and takes, field by field, either its own value or the other record's
(by default the most recently updated non-empty one). Every row of every table that points at
the other record moves to the survivor; the relations are found through Django's model
metadata, so a table added later by any app moves too without a change here. A row the
survivor already has an equivalent of (the same tag, company link, phone number, or a row that
would then point at the survivor twice) is dropped instead, serialized for undo.

Undo recreates the other record with its original id, moves exactly the moved rows back,
recreates the dropped rows and puts back the survivor's previous values. It is refused once the
survivor has been edited (its version changed) or is gone, since it would overwrite that work.

Each merge and undo is a line of the audit log (`accounts.services.audit_record`), written in its
transaction; the `Merge` row (actor, time, choices, undone by/at) keeps the details.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import AuditAction, User
from rapport.accounts.services import audit_record
from rapport.activities.services import timeline_add
from rapport.activities.timeline_kinds import register_title
from rapport.core.errors import Conflict, NotFound, ValidationFailed, check_version
from rapport.core.records import record_changed, record_types, records_changed
from rapport.customers.models import (
    Company,
    CompanySearchTerm,
    Employment,
    Person,
    PersonSearchTerm,
)
from rapport.customers.selectors import (
    get_company_for_user,
    get_person_for_user,
)
from rapport.customers.services import company_rebuild_search_terms, person_rebuild_search_terms
from rapport.dataio.models import (
    CandidateStatus,
    CompanyMerge,
    DuplicateCandidate,
    Merge,
    MergeRecordType,
    PersonMerge,
    SnapshotEncoder,
)
from rapport.sales.models import Order

SURVIVOR = "survivor"
OTHER = "other"
CHOICE_VALUES = (SURVIVOR, OTHER)

# Ids per UPDATE … WHERE id IN (…) when moving rows back: far below SQLite's variable limit.
ID_CHUNK = 500


@dataclass(frozen=True)
class MergeField:
    """A value of the record the merging user chooses: one column, or the owner with the team."""

    name: str
    label: Any
    columns: tuple[str, ...]


BIRTHDAY_COLUMNS = ("birthday", "birth_month", "birth_day")


def _columns(model, names: Iterable[str]) -> list[MergeField]:
    return [MergeField(n, model._meta.get_field(n).verbose_name, (n,)) for n in names]


PERSON_MERGE_FIELDS = [
    *_columns(
        Person,
        (
            "full_name",
            "given_name",
            "middle_name",
            "family_name",
            "nickname",
            "gender",
        ),
    ),
    # The date and its month and day go together: they are kept equal (a birthday without a
    # year has only the month and day).
    MergeField("birthday", Person._meta.get_field("birthday").verbose_name, BIRTHDAY_COLUMNS),
    *_columns(
        Person,
        (
            "website",
            "primary_phone",
            "primary_email",
            "industry",
            "region",
            "source",
            "lifecycle_stage",
            "preferences",
            "notes",
        ),
    ),
    MergeField("owner", gettext_lazy("owner and team"), ("owner_id", "team_id")),
]
COMPANY_MERGE_FIELDS = [
    *_columns(
        Company,
        (
            "name",
            "english_name",
            "website",
            "phone",
            "email",
            "industry",
            "region",
            "source",
            "lifecycle_stage",
            "notes",
        ),
    ),
    MergeField("owner", gettext_lazy("owner and team"), ("owner_id", "team_id")),
]
CUSTOM_PREFIX = "custom."
# Not chosen but pooled: the survivor keeps its own and the other's numbers kept as imported.
RAW_PHONES = "raw_phones"
# `Merge.flags` key of the job titles and departments a dropped company link gave the survivor's.
EMPLOYMENT_TITLES = "employment_titles"

# Defaults that mean "nobody said": a record with them yields to the other's value.
_UNSET_DEFAULTS = {"gender": "unknown", "source": "other"}

# Rebuilt from the survivor's own values instead of moved.
_REBUILT = {PersonSearchTerm, CompanySearchTerm}

# Rows of these tables that hold the same value for the survivor and the other record are the
# same fact twice (no database constraint says so): keep the survivor's.
_SAME_FACT = {
    "customers.personphone": ("number",),
    "customers.personemail": ("email",),
}


def _register_timeline_titles() -> None:
    register_title(
        "record.merged",
        lambda e: (
            _("Merged with %(name)s (#%(id)s)")
            % {"name": e.data.get("other_name", ""), "id": e.data.get("other_id", "")}
        ),
    )
    register_title(
        "record.merge_undone",
        lambda e: (
            _("Merge with %(name)s (#%(id)s) undone")
            % {"name": e.data.get("other_name", ""), "id": e.data.get("other_id", "")}
        ),
    )


_register_timeline_titles()


# --- Choosing values ------------------------------------------------------------------------


def _is_empty(name: str, value) -> bool:
    if isinstance(value, tuple):
        return all(_is_empty(name, part) for part in value)
    return value in (None, "", [], {}) or _UNSET_DEFAULTS.get(name) == value


def _adds_a_year(field: MergeField, mine, theirs) -> bool:
    """`theirs` is `mine`'s birthday with the year `mine` lacks (the same month and day)."""
    return (
        field.columns == BIRTHDAY_COLUMNS
        and mine[0] is None
        and theirs[0] is not None
        and mine[1:] == theirs[1:]
    )


def merge_fields(record_type: str, survivor, other) -> list[MergeField]:
    """The choosable fields of two records: the columns, the owner, each custom value key."""
    fields = list(
        PERSON_MERGE_FIELDS if record_type == MergeRecordType.PERSON else COMPANY_MERGE_FIELDS
    )
    keys = sorted(set(survivor.custom or {}) | set(other.custom or {}))
    fields += [MergeField(CUSTOM_PREFIX + k, k, ()) for k in keys]
    return fields


def field_value(record, field: MergeField):
    if field.name.startswith(CUSTOM_PREFIX):
        return (record.custom or {}).get(field.name.removeprefix(CUSTOM_PREFIX))
    if len(field.columns) == 1:
        return getattr(record, field.columns[0])
    return tuple(getattr(record, c) for c in field.columns)


def default_choice(field: MergeField, survivor, other) -> str:
    """The most recently updated record's value, unless it is empty and the other's is not."""
    mine, theirs = field_value(survivor, field), field_value(other, field)
    if _is_empty(field.name, theirs) or mine == theirs or _adds_a_year(field, theirs, mine):
        return SURVIVOR
    if _is_empty(field.name, mine) or _adds_a_year(field, mine, theirs):
        return OTHER
    return OTHER if other.updated_at > survivor.updated_at else SURVIVOR


def _resolve_choices(fields: list[MergeField], survivor, other, choices: dict | None) -> dict:
    choices = choices or {}
    known = {f.name for f in fields}
    errors: dict[str, list[str]] = {}
    if not isinstance(choices, dict):
        raise ValidationFailed(
            _("Please correct the errors below."), {"choices": [_("Give an object.")]}
        )
    for key, value in choices.items():
        if key not in known:
            errors[f"choices.{key}"] = [_("There is no such field to choose.")]
        elif value not in CHOICE_VALUES:
            errors[f"choices.{key}"] = [_("Choose “survivor” or “other”.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors)
    return {f.name: choices.get(f.name) or default_choice(f, survivor, other) for f in fields}


# --- Finding what points at a record ---------------------------------------------------------


def record_relations(model) -> list[models.ForeignKey]:
    """Every foreign key in the project pointing at `model`, hidden ones (related_name="+")
    and the automatic tables of many-to-many fields included, except those rebuilt or the
    merges' own."""
    return [
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        and rel.related_model not in _REBUILT
        and not issubclass(rel.related_model, Merge)
    ]


def generic_relations() -> list[GenericForeignKey]:
    return [
        f
        for m in apps.get_models()
        for f in m._meta.private_fields
        if isinstance(f, GenericForeignKey)
    ]


def _key(field) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


def _unique_sets(related_model, field) -> list[tuple[str, ...]]:
    """The other columns of each unique rule on `related_model` that includes `field`."""
    meta = related_model._meta
    sets = [tuple(s) for s in meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    if field.unique:
        sets.append((field.name,))
    if meta.label_lower in _SAME_FACT:
        sets.append((field.name, *_SAME_FACT[meta.label_lower]))
    result = []
    for names in sets:
        if field.name not in names:
            continue
        result.append(tuple(meta.get_field(n).attname for n in names if n != field.name))
    return result


def _move_relation(field, survivor_pk: int, other_pk: int, merge_data: dict) -> None:
    related = field.model
    rows = related._base_manager.filter(**{field.attname: other_pk})
    # Other foreign keys of the same row that point at the same model: a row that would point
    # at the survivor twice (a duplicate pair, a self-link) is dropped.
    twins = [
        f.attname
        for f in related._meta.concrete_fields
        if f.is_relation and f.related_model is field.related_model and f is not field
    ]
    unique_sets = _unique_sets(related, field)
    value_columns = sorted({c for s in unique_sets for c in s} | set(twins))
    mine = list(rows.values_list("pk", *value_columns))
    if not mine:
        return
    drop: set = set()
    for pk, *values in mine:
        row = dict(zip(value_columns, values, strict=True))
        if any(row[t] == survivor_pk for t in twins):
            drop.add(pk)
    for columns in unique_sets:
        theirs = related._base_manager.filter(**{field.attname: survivor_pk})
        existing = (
            set(theirs.values_list(*columns)) if columns else ({()} if theirs.exists() else set())
        )
        for pk, *values in mine:
            row = dict(zip(value_columns, values, strict=True))
            if tuple(row[c] for c in columns) in existing:
                drop.add(pk)
    if drop:
        dropped_rows = related._base_manager.filter(pk__in=drop)
        merge_data["dropped"].extend(serializers.serialize("python", dropped_rows))
        dropped_rows.delete()
    moved = [pk for pk, *_ in mine if pk not in drop]
    if moved:
        rows.update(**{field.attname: survivor_pk})
        merge_data["moved"][_key(field)] = moved


def _move_generic(gfk: GenericForeignKey, content_type, survivor_pk, other_pk, merge_data):
    model = gfk.model
    rows = model._base_manager.filter(**{gfk.ct_field: content_type, gfk.fk_field: other_pk})
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        rows.update(**{gfk.fk_field: survivor_pk})
        merge_data["moved"][f"{model._meta.label_lower}.{gfk.name}"] = ids


# Relations whose rows carry an `is_primary` flag meaning "the primary one of this record".
_PRIMARY_SCOPES = {
    "customers.personphone.person": "primary_phone",
    "customers.personemail.person": "primary_email",
    "customers.employment.person": None,
}


def _primary_flags(key: str, field, pks: list[int]) -> dict[str, bool]:
    """`is_primary` of the rows of the relation `key` pointing at `pks`, by row id."""
    if key not in _PRIMARY_SCOPES:
        return {}
    rows = field.model._base_manager.filter(**{f"{field.attname}__in": pks})
    return {str(pk): flag for pk, flag in rows.values_list("pk", "is_primary")}


def _settle_primaries(key: str, field, survivor_pk: int, chosen: dict, moved: set) -> None:
    """At most one primary row after the move: the one holding the chosen primary phone or
    e-mail, else the survivor's own primary, else a moved one."""
    rows = field.model._base_manager.filter(**{field.attname: survivor_pk})
    chosen_column = _PRIMARY_SCOPES[key]
    primary = None
    if chosen_column:
        value_column = _SAME_FACT[field.model._meta.label_lower][0]
        primary = (
            rows.filter(**{value_column: chosen[chosen_column]})
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
    if primary is None:
        flagged = list(rows.filter(is_primary=True).order_by("pk").values_list("pk", flat=True))
        own = [pk for pk in flagged if pk not in moved]
        primary = (own or flagged or [None])[0]
    rows.filter(is_primary=True).exclude(pk=primary).update(is_primary=False)
    if primary is not None:
        rows.filter(pk=primary, is_primary=False).update(is_primary=True)


def _keep_primary_employments(company_pk: int, dropped: list[dict]) -> dict[str, bool]:
    """A person's primary link to the merged-away company, dropped because they are linked to
    the survivor too, makes that link primary. Returns the changed links' previous flags."""
    persons = [
        row["fields"]["person"]
        for row in dropped
        if row["model"] == "customers.employment" and row["fields"]["is_primary"]
    ]
    rows = Employment.objects.filter(company_id=company_pk, person_id__in=persons, is_primary=False)
    before = {str(pk): False for pk in rows.values_list("pk", flat=True)}
    if before:
        rows.update(is_primary=True)
    return before


def _keep_employment_titles(kind: "_Kind", survivor_pk: int, dropped: list[dict]) -> dict:
    """A company link dropped because the survivor has the same one gives that link the job
    title and department it lacks. Returns the changed links' previous [title, department]."""
    side = "person" if kind.record_type == MergeRecordType.PERSON else "company"
    kept_side = "company" if side == "person" else "person"
    rows = {
        row["fields"][kept_side]: row["fields"]
        for row in dropped
        if row["model"] == "customers.employment"
    }
    if not rows:
        return {}
    links = Employment.objects.filter(
        **{f"{side}_id": survivor_pk, f"{kept_side}_id__in": list(rows)}
    )
    before = {}
    for link in links:
        fields = rows[getattr(link, f"{kept_side}_id")]
        title = link.job_title or fields.get("job_title", "")
        department = link.department or fields.get("department", "")
        if (title, department) != (link.job_title, link.department):
            before[str(link.pk)] = [link.job_title, link.department]
            link.job_title, link.department = title, department
            link.save(update_fields=["job_title", "department"])
    return before


# --- Merge ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    record_type: str
    model: type
    get_for_user: Any
    rebuild_search_terms: Any
    merge_model: type
    survivor_field: str
    timeline_key: str


_PERSON = _Kind(
    MergeRecordType.PERSON,
    Person,
    get_person_for_user,
    person_rebuild_search_terms,
    PersonMerge,
    "survivor_person",
    "person_id",
)
_COMPANY = _Kind(
    MergeRecordType.COMPANY,
    Company,
    get_company_for_user,
    company_rebuild_search_terms,
    CompanyMerge,
    "survivor_company",
    "company_id",
)


def _kind(record_type: str) -> _Kind:
    return _PERSON if record_type == MergeRecordType.PERSON else _COMPANY


def _snapshot(record) -> dict:
    data = serializers.serialize("python", [record])[0]
    # Many-to-many links are rows of their own tables, moved and restored like any relation.
    for field in record._meta.many_to_many:
        data["fields"].pop(field.name, None)
    return data


def _survivor_values(record, fields: list[MergeField]) -> dict:
    values = {}
    for field in fields:
        if field.name.startswith(CUSTOM_PREFIX):
            continue
        for column in field.columns:
            values[column] = getattr(record, column)
    values["custom"] = dict(record.custom or {})
    if isinstance(record, Person):
        values[RAW_PHONES] = list(record.raw_phones or [])
    return values


def _pooled_raw_phones(survivor: Person, other: Person) -> list[dict]:
    """The survivor's numbers kept as imported, then the other's it lacks (the same text,
    spaces aside, is the same number)."""
    pooled, seen = [], set()
    for entry in [*(survivor.raw_phones or []), *(other.raw_phones or [])]:
        key = "".join(str(entry.get("raw", "")).split())
        if key not in seen:
            seen.add(key)
            pooled.append(entry)
    return pooled


def _chosen_values(fields, resolved: dict, survivor, other) -> tuple[dict, dict]:
    """The survivor's new columns (by attname) and custom values, as `resolved` chose them."""
    columns, custom = {}, {}
    for field in fields:
        source = other if resolved[field.name] == OTHER else survivor
        if field.name.startswith(CUSTOM_PREFIX):
            value = field_value(source, field)
            if not _is_empty(field.name, value):
                custom[field.name.removeprefix(CUSTOM_PREFIX)] = value
        else:
            columns.update({c: getattr(source, c) for c in field.columns})
    return columns, custom


def _to_json(values: dict) -> dict:
    return json.loads(json.dumps(values, cls=SnapshotEncoder))


def _merge(
    kind: _Kind,
    *,
    actor: User,
    survivor,
    other,
    choices: dict | None,
    survivor_version: int | None,
    other_version: int | None,
) -> Merge:
    """Merge `other` into `survivor`, step by step: lock the pair, move every related row to
    the survivor, settle its primary flags and its orders, delete the other record, give the
    survivor the chosen values, and keep all of it in a `Merge` row (with its timeline entry,
    its pair in the review queue and its audit entry) so that it can be undone."""
    survivor, other = _lock_pair(kind, actor, survivor, other, survivor_version, other_version)
    fields = merge_fields(kind.record_type, survivor, other)
    resolved = _resolve_choices(fields, survivor, other, choices)
    before = _to_json(_survivor_values(survivor, fields))
    chosen, custom = _chosen_values(fields, resolved, survivor, other)
    if kind.record_type == MergeRecordType.PERSON:
        chosen[RAW_PHONES] = _pooled_raw_phones(survivor, other)
    data = _move_related_rows(kind, survivor.pk, other.pk, chosen)
    other_pk, other_name, other_snapshot = other.pk, str(other)[:200], _snapshot(other)
    kind.model._base_manager.filter(pk=other_pk).delete()
    _update_survivor(kind, survivor, chosen, custom)
    merge = kind.merge_model.objects.create(
        record_type=kind.record_type,
        **{kind.survivor_field: survivor},
        other_id=other_pk,
        other_name=other_name,
        choices=resolved,
        other_snapshot=other_snapshot,
        survivor_before=before,
        moved=data["moved"],
        dropped=data["dropped"],
        flags=data["flags"],
        survivor_version=survivor.version,
        actor=actor,
    )
    _announce_merge(kind, merge, actor=actor, survivor=survivor, other_name=other_name)
    _announce_record_changes(
        kind, merge, actor=actor, survivor_fields=[*chosen, "custom"], other_operation="deleted"
    )
    return merge


def _announce_record_changes(
    kind: _Kind, merge: Merge, *, actor: User, survivor_fields, other_operation
) -> None:
    """Tell the apps above (rules, webhooks, the change feed) what a merge or its undo changed:
    the survivor, the other record (deleted, or back), every record of a registered type whose
    link to them moved (deals, orders, tasks, interactions, leads, tickets...: updated, with the
    link's field), those dropped as the survivor's duplicates (deleted, or back), and the orders
    whose owner followed them. The moved records are announced a relation at a time
    (`records_changed`), so a merge's cost grows little with the customer's history."""
    undo = other_operation == "created"
    record_changed(kind.record_type, merge.other_id, other_operation, actor=actor)
    record_changed(
        kind.record_type,
        getattr(merge, kind.survivor_field + "_id"),
        "updated",
        changed_fields=survivor_fields,
        actor=actor,
    )
    by_model = {t.model.lower(): t.key for t in record_types().values()}
    moved_orders: set[int] = set()
    for key, ids in merge.moved.items():
        model_label, _dot, field = key.rpartition(".")
        record_key = by_model.get(model_label)
        if record_key is None:
            continue
        if undo:
            # Only the rows still on the survivor went back (see `merge_undo`).
            content_type = ContentType.objects.get_for_model(kind.model)
            model, column, same_kind = _field_for_key(key, content_type)
            back = model._base_manager.filter(**same_kind, **{column: merge.other_id})
            ids = list(back.filter(pk__in=[int(pk) for pk in ids]).values_list("pk", flat=True))
        if record_key == "order":
            moved_orders.update(int(pk) for pk in ids)
        records_changed(record_key, ids, "updated", changed_fields=[field], actor=actor)
    dropped: dict[str, list[int]] = {}
    for row in merge.dropped:
        record_key = by_model.get(row["model"])
        if record_key is not None:
            dropped.setdefault(record_key, []).append(int(row["pk"]))
    for record_key, ids in dropped.items():
        if undo:
            model = apps.get_model(record_types()[record_key].model)
            ids = list(model._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
        records_changed(record_key, ids, "created" if undo else "deleted", actor=actor)
    followed = [int(pk) for pk in merge.flags.get("orders", {}) if int(pk) not in moved_orders]
    records_changed("order", followed, "updated", changed_fields=["owner", "team"], actor=actor)


def _lock_pair(kind: _Kind, actor: User, survivor, other, survivor_version, other_version):
    """Both records, visible to `actor`, locked (in id order) and unchanged since the form
    showed them."""
    if survivor.pk == other.pk:
        raise ValidationFailed(
            _("Please correct the errors below."),
            {"other_id": [_("Choose two different records.")]},
        )
    # The one visibility rule; editing is open to whoever may see a record.
    kind.get_for_user(actor, survivor.pk)
    kind.get_for_user(actor, other.pk)
    locked = {
        r.pk: r
        for r in kind.model.objects.select_for_update()
        .filter(pk__in=[survivor.pk, other.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("Record not found."))
    survivor, other = locked[survivor.pk], locked[other.pk]
    check_version(survivor, survivor_version)
    check_version(other, other_version)
    return survivor, other


def _move_related_rows(kind: _Kind, survivor_pk: int, other_pk: int, chosen: dict) -> dict:
    """Point every row related to the other record at the survivor (dropping those the
    survivor already has where a unique constraint says so), then settle the primary flags
    and the orders' owner. Returns what was moved, dropped and re-flagged, for undo."""
    data: dict[str, Any] = {"moved": {}, "dropped": [], "flags": {}}
    relations = record_relations(kind.model)
    primary_before = {}
    for field in relations:
        flags = _primary_flags(_key(field), field, [survivor_pk, other_pk])
        if flags:
            primary_before[_key(field)] = flags

    for field in relations:
        _move_relation(field, survivor_pk, other_pk, data)
    content_type = ContentType.objects.get_for_model(kind.model)
    for gfk in generic_relations():
        _move_generic(gfk, content_type, survivor_pk, other_pk, data)

    for field in relations:
        key = _key(field)
        if key in primary_before:
            moved = set(data["moved"].get(key, []))
            _settle_primaries(key, field, survivor_pk, chosen, moved)
            data["flags"][key] = primary_before[key]
    if kind.record_type == MergeRecordType.COMPANY:
        data["flags"]["customers.employment.company"] = _keep_primary_employments(
            survivor_pk, data["dropped"]
        )
    data["flags"][EMPLOYMENT_TITLES] = _keep_employment_titles(kind, survivor_pk, data["dropped"])
    data["flags"]["orders"] = _orders_follow(kind, survivor_pk, chosen)
    return data


def _update_survivor(kind: _Kind, survivor, chosen: dict, custom: dict) -> None:
    for column, value in chosen.items():
        setattr(survivor, column, value)
    survivor.custom = custom
    survivor.version += 1
    survivor.save()
    kind.rebuild_search_terms(survivor)


def _announce_merge(kind: _Kind, merge: Merge, *, actor: User, survivor, other_name: str) -> None:
    """The survivor's timeline entry, the pair marked merged in the review queue, the audit."""
    other_pk = merge.other_id
    timeline_add(
        kind="record.merged",
        title="",
        actor_id=actor.pk,
        source_type="merge",
        source_id=merge.pk,
        data={"other_id": other_pk, "other_name": other_name, "merge_id": merge.pk},
        **{kind.timeline_key: survivor.pk},
    )
    _pair_resolved(kind.record_type, survivor.pk, other_pk, actor=actor, merged=True)
    audit_record(
        actor=actor,
        action=AuditAction.MERGE,
        target_type=kind.record_type,
        target_id=survivor.pk,
        summary=f"{other_name} (#{other_pk}) → {survivor} (#{survivor.pk})",
        data={"merge_id": merge.pk, "other_id": other_pk},
    )


def _pair_resolved(record_type: str, a: int, b: int, *, actor: User, merged: bool) -> None:
    """The review queue's pair of these two records (if the scan found it): merged, or open
    again after an undo. Pairs are stored with the smaller id first."""
    pair = DuplicateCandidate.objects.filter(
        record_type=record_type, first_id=min(a, b), second_id=max(a, b)
    )
    if merged:
        pair.update(status=CandidateStatus.MERGED, resolved_at=timezone.now(), resolved_by=actor)
    else:
        pair.filter(status=CandidateStatus.MERGED).update(
            status=CandidateStatus.OPEN, resolved_at=None, resolved_by=None
        )


def _orders_follow(kind: _Kind, survivor_pk: int, owner: dict) -> dict:
    """Orders are seen by the owner and team copied from their customer (see
    `rapport.sales.services.orders.placing.orders_follow_customer`): the survivor's orders,
    moved or its own, take its owner and team. Returns the changed orders' previous ones."""
    if kind.record_type == MergeRecordType.PERSON:
        orders = Order.objects.filter(person_id=survivor_pk)
    else:
        orders = Order.objects.filter(company_id=survivor_pk, person__isnull=True)
    target = {"owner_id": owner["owner_id"], "team_id": owner["team_id"]}
    orders = orders.exclude(**target)
    before = {str(pk): [o, t] for pk, o, t in orders.values_list("pk", "owner_id", "team_id")}
    if before:
        Order.objects.filter(pk__in=[int(pk) for pk in before]).update(**target)
    return before


@transaction.atomic
def person_merge(
    *,
    actor: User,
    survivor: Person,
    other: Person,
    choices: dict[str, str] | None = None,
    survivor_version: int | None = None,
    other_version: int | None = None,
) -> PersonMerge:
    """Merge `other` into `survivor`; `choices` maps field names (see `merge_fields`) to
    "survivor" or "other", default the most recently updated non-empty value. Both records
    must be visible to `actor` (else NotFound). `*_version` as in `person_update`."""
    return _merge(
        _PERSON,
        actor=actor,
        survivor=survivor,
        other=other,
        choices=choices,
        survivor_version=survivor_version,
        other_version=other_version,
    )


@transaction.atomic
def company_merge(
    *,
    actor: User,
    survivor: Company,
    other: Company,
    choices: dict[str, str] | None = None,
    survivor_version: int | None = None,
    other_version: int | None = None,
) -> CompanyMerge:
    """Merge company `other` into `survivor`, like `person_merge`."""
    return _merge(
        _COMPANY,
        actor=actor,
        survivor=survivor,
        other=other,
        choices=choices,
        survivor_version=survivor_version,
        other_version=other_version,
    )


# --- Reads ----------------------------------------------------------------------------------


# --- Undo -----------------------------------------------------------------------------------


def merge_undo_refusal(merge: Merge) -> str | None:
    """Why `merge` cannot be undone now, or None if it can."""
    if merge.is_undone:
        return _("This merge has already been undone.")
    survivor = merge.survivor
    if survivor is None:
        return _(
            "The surviving record no longer exists (deleted, or merged into another one), so "
            "the merge cannot be undone."
        )
    if survivor.version != merge.survivor_version:
        return _(
            "The surviving record has been edited since the merge; undoing it would overwrite "
            "those changes."
        )
    return None


def _chunks(ids: list, size: int = ID_CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _field_for_key(key: str, content_type) -> tuple[type, str, dict]:
    """The model and column of a relation named in `Merge.moved`, and for a generic relation
    the condition on its content type."""
    app_label, model_name, field_name = key.split(".")
    model = apps.get_model(app_label, model_name)
    field = model._meta.get_field(field_name)
    if isinstance(field, GenericForeignKey):
        return model, field.fk_field, {field.ct_field: content_type}
    return model, field.attname, {}


def _references_exist(instance) -> bool:
    return all(
        field.related_model._base_manager.filter(pk=value).exists()
        for field in instance._meta.concrete_fields
        if field.is_relation and (value := getattr(instance, field.attname)) is not None
    )


@transaction.atomic
def merge_undo(*, actor: User, merge: Merge) -> Merge:
    """Take `merge` apart: the other record comes back with its id and its rows, the survivor
    gets back its previous values. Raises Conflict when that is no longer possible."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    kind = _kind(merge.record_type)
    survivor_pk = merge.survivor_id
    if survivor_pk is not None and kind.model._base_manager.filter(pk=survivor_pk).exists():
        kind.get_for_user(actor, survivor_pk)
    survivor = kind.model.objects.select_for_update().filter(pk=survivor_pk).first()
    if survivor is not None:
        setattr(merge, kind.survivor_field, survivor)
    refusal = merge_undo_refusal(merge)
    if refusal is None and kind.model._base_manager.filter(pk=merge.other_id).exists():
        refusal = _("The merged record exists again, so the merge cannot be undone.")
    if refusal:
        raise Conflict(refusal)

    other_pk = merge.other_id
    content_type = ContentType.objects.get_for_model(kind.model)
    try:
        with transaction.atomic():
            for restored in serializers.deserialize("python", [merge.other_snapshot]):
                restored.save()
            for key, ids in merge.moved.items():
                model, column, same_kind = _field_for_key(key, content_type)
                # Only rows still on the survivor: one moved elsewhere since stays there.
                still_here = model._base_manager.filter(**same_kind, **{column: survivor.pk})
                for chunk in _chunks(ids):
                    still_here.filter(pk__in=chunk).update(**{column: other_pk})
            for restored in serializers.deserialize("python", merge.dropped):
                # A row whose other end is gone (a deleted tag or company) would have gone with
                # it had there been no merge.
                if _references_exist(restored.object):
                    restored.save()
    except IntegrityError as exc:
        raise Conflict(
            _("The merge cannot be undone: records it touched have changed since (%(error)s).")
            % {"error": exc}
        ) from exc

    for key, flags in merge.flags.items():
        if key == "orders":
            for pk, (owner_id, team_id) in flags.items():
                Order.objects.filter(pk=pk).update(owner_id=owner_id, team_id=team_id)
            continue
        if key == EMPLOYMENT_TITLES:
            for pk, (title, department) in flags.items():
                Employment.objects.filter(pk=pk).update(job_title=title, department=department)
            continue
        model, _column, _same_kind = _field_for_key(key, content_type)
        on = [int(pk) for pk, flag in flags.items() if flag]
        off = [int(pk) for pk, flag in flags.items() if not flag]
        model._base_manager.filter(pk__in=on).update(is_primary=True)
        model._base_manager.filter(pk__in=off).update(is_primary=False)

    for column, value in merge.survivor_before.items():
        field = next(f for f in kind.model._meta.concrete_fields if f.attname == column)
        setattr(survivor, column, field.to_python(value))
    survivor.version += 1
    survivor.save()
    kind.rebuild_search_terms(survivor)
    kind.rebuild_search_terms(kind.model.objects.get(pk=merge.other_id))

    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    timeline_add(
        kind="record.merge_undone",
        title="",
        actor_id=actor.pk,
        source_type="merge",
        source_id=merge.pk,
        data={"other_id": merge.other_id, "other_name": merge.other_name, "merge_id": merge.pk},
        **{kind.timeline_key: survivor.pk},
    )
    _pair_resolved(kind.record_type, survivor.pk, merge.other_id, actor=actor, merged=False)
    audit_record(
        actor=actor,
        action=AuditAction.MERGE_UNDONE,
        target_type=kind.record_type,
        target_id=survivor.pk,
        summary=f"{merge.other_name} (#{merge.other_id}) ← {survivor} (#{survivor.pk})",
        data={"merge_id": merge.pk, "other_id": merge.other_id},
    )
    _announce_record_changes(
        kind,
        merge,
        actor=actor,
        survivor_fields=list(merge.survivor_before),
        other_operation="created",
    )
    return merge
