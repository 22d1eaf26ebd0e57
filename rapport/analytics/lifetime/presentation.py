"""What the model page shows of a run, in the reader's words: the parameters with what they mean
and the holdout check as chart data (drawn by static/analytics_lifetime/holdout.js)."""

import datetime

from django.utils.translation import gettext as _

from rapport.analytics.lifetime.models import LifetimeModelRun


def parameters_in_words(run: LifetimeModelRun) -> dict:
    """The figures the parameters imply, for the sentences on the page."""
    figures = {
        "purchases_per_year": run.r / run.alpha * 52.18,
        "weeks_between": run.alpha / run.r,
        "dropout_percent": 100 * run.a / (run.a + run.b),
    }
    if run.p is not None and run.q is not None and run.q > 1:
        figures["mean_value"] = run.p * run.v / (run.q - 1)
    return figures


def holdout_chart(run: LifetimeModelRun) -> dict | None:
    """The check's rows and chart data; None when the run has none (no holdout, or too little
    data before it: `run.holdout["reason"]` says which)."""
    rows = run.holdout.get("rows") if run.holdout else None
    if not rows:
        return None
    labels = [str(row["purchases"]) for row in rows]
    labels[-1] = f"{labels[-1]}+"
    return {
        "start": datetime.date.fromisoformat(run.holdout["start"]),
        "expected_total": run.holdout["expected_total"],
        "actual_total": run.holdout["actual_total"],
        "rows": [{**row, "label": label} for row, label in zip(rows, labels, strict=True)],
        "chart": {
            "labels": labels,
            "expected": [row["expected"] for row in rows],
            "actual": [row["actual"] for row in rows],
            "names": {
                "expected": _("Expected by the model"),
                "actual": _("Actual"),
                "x": _("Repeat purchases before the holdout"),
                "y": _("Purchases in the holdout, per customer"),
            },
        },
    }
