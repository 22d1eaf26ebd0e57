"""Writes of the churn part: settings, training runs, scores and the alerts they raise, and the
call task a user creates from a customer's risk."""

import datetime
import itertools
import json
import logging

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import may_own, require_settings_manager
from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.activities.services import notification_create_many
from rapport.activities.task_services import task_create
from rapport.analytics.churn import training
from rapport.analytics.churn.features import (
    CustomerTable,
    churned_after,
    customer_table,
    features_as_of,
)
from rapport.analytics.churn.models import (
    ChurnModelRun,
    ChurnScore,
    ChurnSettings,
    RunStatus,
)
from rapport.analytics.churn.reasons import reason_codes
from rapport.analytics.value.models import CustomerValue, Tier
from rapport.core.errors import ValidationFailed
from rapport.customers.models import Company, CustomFieldDefinition, CustomFieldType, Person

logger = logging.getLogger(__name__)

ALERT_KIND = "churn.risk_jump"
# An owner hears about a valuable customer whose risk rose by JUMP or more, or crossed from
# below CALM to above ALARM, since the last scoring.
JUMP = 0.2
CALM = 0.5
ALARM = 0.7
VALUABLE_SHARE = 0.2
VALUABLE_TIERS = [str(Tier.TOP), str(Tier.HIGH)]
TIER_BATCH = 5000
# Reasons are worked out for the customers at risk (the list's and the section's threshold):
# explaining a low risk helps nobody, and each reason candidate costs a prediction per row.
REASONS_FROM = 0.5


def churn_settings() -> ChurnSettings:
    settings, _created = ChurnSettings.objects.get_or_create(pk=1)
    return settings


@transaction.atomic
def churn_settings_update(*, actor: User, data: dict) -> ChurnSettings:
    """Change what "churned" means; takes effect at the next training."""
    require_settings_manager(actor)
    settings = churn_settings()
    errors: dict[str, list[str]] = {}
    try:
        horizon = int(data.get("horizon_days", settings.horizon_days))
    except (TypeError, ValueError):
        horizon = -1
    if not 30 <= horizon <= 730:
        errors["horizon_days"] = [_("Enter a number of days from 30 to 730.")]
    key = str(data.get("label_field_key") or "").strip()
    if (
        key
        and not CustomFieldDefinition.objects.filter(
            key=key, field_type=CustomFieldType.BOOLEAN
        ).exists()
    ):
        errors["label_field_key"] = [_("Choose a yes/no custom field.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), details=errors)
    settings.horizon_days = horizon
    settings.lost_stage_counts = bool(data.get("lost_stage_counts"))
    settings.label_field_key = key
    settings.save()
    return settings


def _matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].to_numpy(dtype=float, na_value=np.nan)


def churn_train(*, actor: User | None = None, now: datetime.datetime | None = None):
    """Train on the installation's data and score every customer; returns the run.

    Split by time, with h the horizon and T now: a model fitted on the features at T-2h with
    the labels seen by T-h is validated on the features at T-h with the labels seen by T (the
    figures on the model page). The model kept for scoring is then fitted again on the latest
    labelled cutoff, T-h, and scores the features at T. Too few customers, or too few of
    either class, ends the run as "too little data" with its counts and no figures.
    """
    settings = churn_settings()
    now = now or timezone.now()
    horizon = datetime.timedelta(days=settings.horizon_days)
    run = ChurnModelRun.objects.create(
        started_at=timezone.now(),
        status=RunStatus.FAILED,
        requested_by=actor,
        as_of=now,
        horizon_days=settings.horizon_days,
    )
    try:
        table = customer_table(settings.label_field_key)
        columns = table.columns
        train_at, valid_at = now - 2 * horizon, now - horizon

        def labelled(cutoff, observed_by):
            frame = features_as_of(table, cutoff)
            labels = churned_after(
                table,
                frame.index,
                cutoff,
                horizon,
                observed_by=observed_by,
                lost_stage_counts=settings.lost_stage_counts,
            )
            return _matrix(frame, columns), labels.to_numpy()

        X_train, y_train = labelled(train_at, valid_at)
        X_valid, y_valid = labelled(valid_at, now)
        run.train_size, run.train_churned = len(y_train), int(y_train.sum())
        run.valid_size, run.valid_churned = len(y_valid), int(y_valid.sum())
        training.check_enough(y_train, "training")
        training.check_enough(y_valid, "validation")
        validation = training.validate(training.fit(X_train, y_train), X_valid, y_valid, columns)
        run.auc = validation.auc
        run.precision_at_10 = validation.precision_at_10
        run.base_rate = validation.base_rate
        run.calibration = validation.calibration
        run.importance = validation.importance
        model = training.fit(X_valid, y_valid)
        run.model = training.dump(model)
        run.feature_spec = {
            "columns": columns,
            "regions": table.regions,
            "choices": [list(choice) for choice in table.choices],
        }
        run.status = RunStatus.TRAINED
    except training.TooLittleData as error:
        run.status = RunStatus.TOO_LITTLE_DATA
        run.message = str(error)
    except Exception as error:  # a failed run is recorded and shown, and the job goes on
        logger.exception("Churn training failed")
        run.message = f"{type(error).__name__}: {error}"
    run.finished_at = timezone.now()
    run.save()
    if run.status == RunStatus.TRAINED:
        churn_score(run=run, model=model, table=table, now=now)
    return run


def population_medians(X: np.ndarray, columns: list[str]) -> dict[str, float]:
    """Each column's median over the customers that have a value (0 for a column with none)."""
    medians = {}
    for i, name in enumerate(columns):
        values = X[:, i][~np.isnan(X[:, i])]
        medians[name] = float(np.median(values)) if len(values) else 0.0
    return medians


def _reason_candidates(run: ChurnModelRun) -> list[str]:
    return [
        row["feature"]
        for row in run.importance
        if row["importance"] > 0 and row["feature"] != "is_company"
    ][: training.REASON_CANDIDATES]


def churn_score(
    *,
    run: ChurnModelRun,
    model=None,
    table: CustomerTable | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Score every customer with an order with `run`'s model, replacing the scores table, and
    alert the owners of valuable customers whose risk jumped. Safe to run twice: a second run
    finds no jump."""
    now = now or timezone.now()
    model = model or training.load(run.model)
    spec = run.feature_spec
    columns = spec["columns"]
    table = table or customer_table(churn_settings().label_field_key)
    features = features_as_of(table, now)
    X = _matrix(features, columns)
    medians = population_medians(X, columns)
    candidates = _reason_candidates(run)
    p = training.predict(model, X) if len(X) else np.zeros(0)
    keys = features.index.to_numpy()
    reasons: list[list[dict]] = [[] for _ in keys]
    # Reasons only where a risk is worth explaining: a fraction of the customers, and of the
    # predictions scoring costs.
    risky = np.flatnonzero(p >= REASONS_FROM)
    if len(risky):
        effect = training.effects(model, X[risky], p[risky], columns, candidates, medians)
        chosen = training.top_reasons(effect, candidates)
        words = NEEDED_FOR_WORDS + [c for c in columns if c.startswith(("region_", "choice_"))]
        rows = features.iloc[risky][words].to_dict("records")
        for position, picks, row in zip(risky, chosen, rows, strict=True):
            reasons[position] = reason_codes(picks, row, spec)

    with transaction.atomic():
        previous = {
            (person_id or -company_id): probability
            for person_id, company_id, probability in ChurnScore.objects.values_list(
                "person_id", "company_id", "probability"
            )
        }
        ChurnScore.objects.all().delete()
        _insert_scores(run, keys, np.clip(p, 0.0, 1.0), previous, reasons, now)
        run.scored = len(keys)
        run.save(update_fields=["scored"])
        alert_risk_jumps(features, keys, p, previous)
    return len(keys)


SCORE_BATCH = 5000


def _insert_scores(run, keys, p, previous: dict, reasons: list, now) -> None:
    """Write one score row per customer with plain INSERTs of tuples: at a million customers
    `bulk_create` spent most of scoring building model instances and preparing each field
    (docs/benchmarks.md, "Churn model"). The values are what the model's fields would store."""
    table = connection.ops.quote_name(ChurnScore._meta.db_table)
    reasons_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    # The table's name and the placeholder are this module's own, never input.
    sql = (
        f"INSERT INTO {table} (person_id, company_id, run_id, probability, "  # noqa: S608
        f"previous_probability, reasons, scored_at) "
        f"VALUES (%s, %s, %s, %s, %s, {reasons_placeholder}, %s)"
    )
    scored_at = connection.ops.adapt_datetimefield_value(now)
    empty = json.dumps([])
    rows = (
        (
            int(key) if key > 0 else None,
            int(-key) if key < 0 else None,
            run.pk,
            float(p[i]),
            previous.get(int(key)),
            json.dumps(reasons[i]) if reasons[i] else empty,
            scored_at,
        )
        for i, key in enumerate(keys)
    )
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, SCORE_BATCH)):
            cursor.executemany(sql, batch)


NEEDED_FOR_WORDS = [
    "recency_days",
    "typical_gap_days",
    "frequency",
    "orders_365",
    "spend_90",
    "spend_prev_90",
    "tenure_days",
    "interactions_90",
    "interaction_recency_days",
    "tickets_90",
    "complaints_90",
    "csat_mean",
    "nps_mean",
    "emails_90",
    "opens_90",
]


def _computed_tiers(keys: list[int]) -> dict[int, str]:
    """The customer-value tier of each of `keys` that has one (read from the value app's table,
    which its nightly computation fills; the customers it has not reached have none)."""
    persons = [k for k in keys if k > 0]
    companies = [-k for k in keys if k < 0]
    tiers: dict[int, str] = {}
    for start in range(0, max(len(persons), len(companies)), TIER_BATCH):
        rows = CustomerValue.objects.filter(
            Q(person_id__in=persons[start : start + TIER_BATCH])
            | Q(company_id__in=companies[start : start + TIER_BATCH])
        ).exclude(tier="")
        for person_id, company_id, tier in rows.values_list("person_id", "company_id", "tier"):
            tiers[person_id or -company_id] = tier
    return tiers


def valuable_customers(features: pd.DataFrame, keys: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Which of the rows `among` are valuable customers: by their customer-value tier (top or
    high) where it has been computed, which weighs profit, recency and frequency; by spend (the
    top fifth) for those without one, so alerts work before the first value computation."""
    money = features["money"].to_numpy(dtype=float)
    threshold = np.quantile(money, 1 - VALUABLE_SHARE)
    by_spend = (money[among] >= threshold) & (money[among] > 0)
    tiers = _computed_tiers([int(keys[i]) for i in among])
    tier = np.array([tiers.get(int(keys[i]), "") for i in among], dtype=object)
    return np.where(tier != "", np.isin(tier, VALUABLE_TIERS), by_spend).astype(bool)


def alert_risk_jumps(
    features: pd.DataFrame, keys: np.ndarray, p: np.ndarray, previous: dict
) -> int:
    """Notify each owner once of their valuable customers (`valuable_customers`) whose risk
    jumped since the last scoring."""
    if not len(keys):
        return 0
    before = np.array([previous.get(int(k), np.nan) for k in keys])
    jumped = np.flatnonzero(
        ~np.isnan(before) & ((p - before >= JUMP) | ((before < CALM) & (p > ALARM)))
    )
    chosen = jumped[valuable_customers(features, keys, jumped)] if len(jumped) else jumped
    if not len(chosen):
        return 0
    owners = features["owner_id"].to_numpy()
    person_ids = [int(keys[i]) for i in chosen if keys[i] > 0]
    company_ids = [int(-keys[i]) for i in chosen if keys[i] < 0]
    names = {
        **dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "full_name")),
        **{
            -pk: name
            for pk, name in Company.objects.filter(pk__in=company_ids).values_list("pk", "name")
        },
    }
    rows = []
    for i in chosen:
        key = int(keys[i])
        kind, pk = ("person", key) if key > 0 else ("company", -key)
        rows.append(
            {
                "recipient_id": int(owners[i]),
                "kind": ALERT_KIND,
                "title": names.get(key, ""),
                "body": f"{round(p[i] * 100)} %",
                "url": reverse(f"customers:{kind}_detail", args=[pk]),
                "target_type": kind,
                "target_id": pk,
            }
        )
    return notification_create_many(rows)


@transaction.atomic
def churn_call_task_create(
    *, actor: User, person: Person | None = None, company: Company | None = None
) -> Task:
    """A call task about an at-risk customer the actor may see (the caller checked), for the
    customer's owner when the actor may hand them work, else for the actor."""
    customer = person or company
    assignee_id = customer.owner_id if may_own(actor, customer.owner) else actor.pk
    return task_create(
        actor=actor,
        data={
            "title": _("Call %(name)s: at risk of leaving") % {"name": str(customer)},
            "due_at": timezone.now() + datetime.timedelta(days=2),
            "assignee_id": assignee_id,
            "person_id": person.pk if person else None,
            "company_id": company.pk if company else None,
        },
    )
