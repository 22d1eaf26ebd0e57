"""Fitting the lifetime value models and storing what they predict.

A run fits BG/NBD (purchases, probability alive) and Gamma-Gamma (value of a purchase) on the
customers' orders up to its `as_of` (persons and companies in one population: docs/decisions.md,
"Lifetime value"), stores one prediction per customer and drops the previous run's
predictions. With a holdout it also fits the models as of `holdout_weeks` earlier and records,
by number of repeat purchases in that calibration period (0…7+), how many purchases the model
expected in the holdout and how many were made: the check of Fader, Hardie and Lee (2005).
"""

import datetime
import logging
import math
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import User
from rapport.analytics.lifetime import estimation
from rapport.analytics.lifetime.events import LifetimeFitQueued
from rapport.analytics.lifetime.models import LifetimeModelRun, LifetimePrediction, RunStatus
from rapport.analytics.lifetime.selectors import (
    DAYS_PER_WEEK,
    RepeatBuying,
    active_run,
    purchases_between,
    repeat_buying,
)
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.events import publish
from rapport.sales.selectors.money import reporting_currency, to_cents

logger = logging.getLogger(__name__)

# Fewer customers with repeat purchases than this and the four (three) parameters are noise.
MIN_REPEAT_CUSTOMERS = 30
DEFAULT_HOLDOUT_WEEKS = 26
MAX_HOLDOUT_WEEKS = 260
EARLIEST_AS_OF = datetime.date(1970, 1, 1)
# Calibration purchases grouped for the check: 0, 1, …, 6 and "7 or more".
CHECK_GROUPS = 8
PREDICTION_BATCH = 5000


def lifetime_run_create(
    *,
    actor: User | None,
    as_of: datetime.date | None = None,
    holdout_weeks: int = DEFAULT_HOLDOUT_WEEKS,
) -> LifetimeModelRun:
    """Queue a fit (the job `tasks.fit_lifetime_model` runs it after the commit). `actor` is
    None for the weekly job; a person must be an administrator. One run at a time."""
    if actor is not None:
        require_settings_manager(actor)
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        message = _("The end of observation cannot be in the future.")
        raise ValidationFailed(message, details={"as_of": [message]})
    if as_of < EARLIEST_AS_OF:
        message = _("The end of observation cannot be before 1970.")
        raise ValidationFailed(message, details={"as_of": [message]})
    if not 0 <= holdout_weeks <= MAX_HOLDOUT_WEEKS:
        message = _("The holdout is 0 to %(max)d weeks.") % {"max": MAX_HOLDOUT_WEEKS}
        raise ValidationFailed(message, details={"holdout_weeks": [message]})
    with transaction.atomic():
        if active_run() is not None:
            raise ApplicationError(
                "fit_running", _("A fit is already queued or running; wait for it to end.")
            )
        run = LifetimeModelRun.objects.create(
            as_of=as_of,
            holdout_weeks=holdout_weeks,
            currency=reporting_currency(),
            started_by=actor,
        )
        publish(LifetimeFitQueued(run_id=run.pk))
    return run


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) and v > 0 for v in values)


def _fit_purchases(data: RepeatBuying) -> tuple[estimation.BgNbd | None, dict]:
    """BG/NBD on `data`, or None and why not."""
    repeat = data.repeat_customers
    if repeat < MIN_REPEAT_CUSTOMERS:
        return None, {
            "reason": "too_little_data",
            "repeat_customers": repeat,
            "needed": MIN_REPEAT_CUSTOMERS,
        }
    params = estimation.bgnbd_fit(data.frequency, data.recency, data.age)
    if not _finite(params.r, params.alpha, params.a, params.b):
        return None, {"reason": "no_convergence"}
    return params, {}


def _fit_spend(data: RepeatBuying) -> tuple[estimation.GammaGamma | None, dict]:
    """Gamma-Gamma on the customers with repeat purchases of known, positive value."""
    values = data.values_as_floats()
    valued = int(np.count_nonzero((data.frequency > 0) & (values > 0)))
    if valued < MIN_REPEAT_CUSTOMERS:
        return None, {
            "spend_reason": "too_little_data",
            "valued_customers": valued,
            "needed": MIN_REPEAT_CUSTOMERS,
        }
    params = estimation.gamma_gamma_fit(data.frequency, values)
    # q <= 1: the population's mean spend is infinite, no expected value to give.
    if not _finite(params.p, params.q, params.v) or params.q <= 1:
        return None, {"spend_reason": "no_finite_mean", "valued_customers": valued}
    return params, {"valued_customers": valued}


def _holdout_check(run: LifetimeModelRun) -> dict:
    """Fit as of the holdout's start and compare its expectations with the holdout's
    purchases, by number of calibration repeat purchases."""
    start = run.as_of - datetime.timedelta(weeks=run.holdout_weeks)
    calibration = repeat_buying(start)
    params, why = _fit_purchases(calibration)
    if params is None:
        return {"start": start.isoformat(), **why}
    weeks = (run.as_of - start).days / DAYS_PER_WEEK
    with np.errstate(all="ignore"):
        expected = estimation.expected_purchases(
            params, weeks, calibration.frequency, calibration.recency, calibration.age
        )
    if not np.all(np.isfinite(expected)):
        return {"start": start.isoformat(), "reason": "no_convergence"}
    made_by_key = purchases_between(start, run.as_of)
    made = np.array([made_by_key.get(int(key), 0) for key in calibration.keys], float)
    group = np.minimum(calibration.frequency, CHECK_GROUPS - 1).astype(int)
    rows = []
    for k in range(CHECK_GROUPS):
        members = group == k
        count = int(np.count_nonzero(members))
        rows.append(
            {
                "purchases": k,
                "customers": count,
                "expected": round(float(expected[members].mean()), 3) if count else None,
                "actual": round(float(made[members].mean()), 3) if count else None,
            }
        )
    return {
        "start": start.isoformat(),
        "customers": len(calibration),
        "r": params.r,
        "alpha": params.alpha,
        "a": params.a,
        "b": params.b,
        "expected_total": round(float(expected.sum()), 1),
        "actual_total": int(made.sum()),
        "rows": rows,
    }


def _predicted(data: RepeatBuying, purchases: estimation.BgNbd, spend) -> dict | None:
    """Each person's predictions as arrays; None if the fitted parameters give a number that is
    not finite for someone (a fit at the edge of the parameter space)."""
    x, t_x, T = data.frequency, data.recency, data.age
    with np.errstate(all="ignore"):
        arrays = {
            "alive": np.clip(estimation.probability_alive(purchases, x, t_x, T), 0.0, 1.0),
            "next_90": estimation.expected_purchases(purchases, 90 / DAYS_PER_WEEK, x, t_x, T),
            "next_365": estimation.expected_purchases(purchases, 365 / DAYS_PER_WEEK, x, t_x, T),
        }
        if spend is not None:
            value = estimation.expected_purchase_value(spend, x, data.values_as_floats())
            arrays["worth"] = value * arrays["next_365"]
    if not all(np.all(np.isfinite(column)) for column in arrays.values()):
        return None
    return arrays


def _predictions(run: LifetimeModelRun, data: RepeatBuying, arrays: dict):
    worth = arrays.get("worth")
    for i, key in enumerate(data.keys):
        yield LifetimePrediction(
            run=run,
            person_id=int(key) if key > 0 else None,
            company_id=int(-key) if key < 0 else None,
            frequency=int(data.frequency[i]),
            recency_weeks=round(float(data.recency[i]), 4),
            age_weeks=round(float(data.age[i]), 4),
            average_value=data.average_value[i],
            probability_alive=float(arrays["alive"][i]),
            expected_purchases_90=float(arrays["next_90"][i]),
            expected_purchases_365=float(arrays["next_365"][i]),
            expected_value=to_cents(Decimal(repr(float(worth[i])))) if worth is not None else None,
        )


def _store_predictions(run: LifetimeModelRun, predictions) -> None:
    with transaction.atomic():
        LifetimePrediction.objects.exclude(run=run).delete()
        batch = []
        for prediction in predictions:
            batch.append(prediction)
            if len(batch) >= PREDICTION_BATCH:
                LifetimePrediction.objects.bulk_create(batch)
                batch = []
        LifetimePrediction.objects.bulk_create(batch)
        run.save()


def lifetime_fit(run: LifetimeModelRun) -> LifetimeModelRun:
    """Fit `run` and store its predictions (safe to run again: a finished run is left alone)."""
    if run.is_finished:
        return run
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status", "updated_at"])
    try:
        data = repeat_buying(run.as_of)
        run.currency = data.currency
        run.customers = len(data)
        run.repeat_customers = data.repeat_customers
        details: dict = {"missing_currencies": sorted(data.missing_currencies)}
        spend = None
        purchases, why = _fit_purchases(data)
        details.update(why)
        if purchases is None:
            too_little = why["reason"] == "too_little_data"
            run.status = RunStatus.TOO_LITTLE_DATA if too_little else RunStatus.FAILED
        else:
            run.r, run.alpha, run.a, run.b = purchases.r, purchases.alpha, purchases.a, purchases.b
            run.log_likelihood = estimation.bgnbd_log_likelihood(
                purchases, data.frequency, data.recency, data.age
            )
            spend, why = _fit_spend(data)
            details.update(why)
            if spend is not None:
                run.p, run.q, run.v = spend.p, spend.q, spend.v
                keep = (data.frequency > 0) & (data.values_as_floats() > 0)
                run.spend_log_likelihood = estimation.gamma_gamma_log_likelihood(
                    spend, data.frequency[keep], data.values_as_floats()[keep]
                )
            run.status = RunStatus.FITTED if spend is not None else RunStatus.NO_SPEND_MODEL
        arrays = _predicted(data, purchases, spend) if run.has_predictions else None
        if run.has_predictions and arrays is None:
            run.status = RunStatus.FAILED
            details["reason"] = "no_convergence"
        if run.holdout_weeks:
            run.holdout = _holdout_check(run)
        run.details = details
        run.finished_at = timezone.now()
        if arrays is not None:
            _store_predictions(run, _predictions(run, data, arrays))
        else:
            run.save()
    except Exception:
        logger.exception("Lifetime value fit %s failed", run.pk)
        run.status = RunStatus.FAILED
        run.details = {"reason": "error"}
        run.holdout = {}
        run.finished_at = timezone.now()
        run.save()
    return run
