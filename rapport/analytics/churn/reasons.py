"""A customer's reasons: which features push their risk up, kept as codes with numbers and worded
in the reader's language when shown ("No order for 210 days, usually orders every 45")."""

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SPEND = {"spend_90", "spend_prev_90", "spend_trend"}
EMAIL = {"emails_90", "opens_90", "clicks_90"}


def _int(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value))


def reason_code(feature: str, row: dict, spec: dict) -> dict | None:
    """The reason `feature` gives for this customer (`row`: their feature values), or None when
    their value has no sensible words (a complaint count of 0 does not explain a risk)."""
    if feature in ("recency_days", "overdue_ratio"):
        days, gap = _int(row["recency_days"]), _int(row["typical_gap_days"])
        if gap is not None and days <= gap:
            return None  # not overdue: the value does not explain a risk in words
        return {"code": "recency", "days": days, "gap": gap}
    if feature == "typical_gap_days":
        gap = _int(row["typical_gap_days"])
        return {"code": "rare_orders", "gap": gap} if gap else None
    if feature == "frequency":
        return {"code": "few_orders", "count": _int(row["frequency"])}
    if feature == "orders_365":
        return {"code": "orders_year", "count": _int(row["orders_365"])}
    if feature == "money":
        return {"code": "low_spend"}
    if feature in SPEND:
        before, recent = row["spend_prev_90"], row["spend_90"]
        if before > 0 and recent < before:
            return {"code": "spend_down", "percent": _int((before - recent) / before * 100)}
        return None
    if feature == "tenure_days":
        return {"code": "new_customer", "days": _int(row["tenure_days"])}
    if feature == "interactions_90":
        return {"code": "few_contacts", "count": _int(row["interactions_90"])}
    if feature == "interaction_recency_days":
        return {"code": "last_contact", "days": _int(row["interaction_recency_days"])}
    if feature in ("tickets_90", "tickets_365"):
        count = _int(row["tickets_90"])
        return {"code": "tickets", "count": count} if count else None
    if feature == "complaints_90":
        count = _int(row["complaints_90"])
        return {"code": "complaints", "count": count} if count else None
    if feature == "csat_mean" and _int(row["csat_mean"]) is not None:
        return {"code": "csat", "score": round(float(row["csat_mean"]), 1)}
    if feature == "nps_mean" and _int(row["nps_mean"]) is not None:
        return {"code": "nps", "score": round(float(row["nps_mean"]), 1)}
    if feature in EMAIL and row["emails_90"] > 0:
        return {"code": "email", "sent": _int(row["emails_90"]), "opened": _int(row["opens_90"])}
    if feature.startswith("region_") and row.get(feature) == 1:
        return {"code": "region", "region": spec["regions"][int(feature.split("_")[1])]}
    if feature.startswith("choice_") and row.get(feature) == 1:
        for column, _key, label, value in spec["choices"]:
            if column == feature:
                return {"code": "choice", "field": label, "value": value}
    return None


def reason_codes(features: list[str], row: dict, spec: dict) -> list[dict]:
    """The reasons of `features` (largest effect first), one per code."""
    seen, out = set(), []
    for feature in features:
        reason = reason_code(feature, row, spec)
        if reason is not None and reason["code"] not in seen:
            seen.add(reason["code"])
            out.append(reason)
    return out


def reason_sentence(reason: dict) -> str:
    code = reason.get("code")
    if code == "recency":
        if reason.get("gap"):
            return _("No order for %(days)s days, usually orders every %(gap)s.") % reason
        return (
            ngettext("No order for %(days)s day.", "No order for %(days)s days.", reason["days"])
            % reason
        )
    if code == "rare_orders":
        return _("Usually orders only every %(gap)s days.") % reason
    if code == "few_orders":
        return (
            ngettext(
                "Only %(count)s order so far.", "Only %(count)s orders so far.", reason["count"]
            )
            % reason
        )
    if code == "orders_year":
        return (
            ngettext(
                "%(count)s order in the last year.",
                "%(count)s orders in the last year.",
                reason["count"],
            )
            % reason
        )
    if code == "low_spend":
        return _("Has spent less than most customers.")
    if code == "spend_down":
        return _("Spent %(percent)s%% less in the last 90 days than in the 90 before.") % reason
    if code == "new_customer":
        return _("A customer for only %(days)s days.") % reason
    if code == "few_contacts":
        if not reason["count"]:
            return _("No contact in the last 90 days.")
        return (
            ngettext(
                "Only %(count)s contact in the last 90 days.",
                "Only %(count)s contacts in the last 90 days.",
                reason["count"],
            )
            % reason
        )
    if code == "last_contact":
        if reason.get("days") is None:
            return _("Never contacted.")
        return _("Last contact %(days)s days ago.") % reason
    if code == "tickets":
        return (
            ngettext(
                "%(count)s support ticket in the last 90 days.",
                "%(count)s support tickets in the last 90 days.",
                reason["count"],
            )
            % reason
        )
    if code == "complaints":
        return (
            ngettext(
                "%(count)s complaint in the last 90 days.",
                "%(count)s complaints in the last 90 days.",
                reason["count"],
            )
            % reason
        )
    if code == "csat":
        return _("Average satisfaction score %(score)s out of 5.") % reason
    if code == "nps":
        return _("Would recommend us %(score)s out of 10.") % reason
    if code == "email":
        return (
            ngettext(
                "Opened %(opened)s of %(sent)s e-mail in the last 90 days.",
                "Opened %(opened)s of %(sent)s e-mails in the last 90 days.",
                reason["sent"],
            )
            % reason
        )
    if code == "region":
        return _("Customers in %(region)s leave more often.") % reason
    if code == "choice":
        return _("%(field)s is “%(value)s”; such customers leave more often.") % reason
    return ""


def reason_sentences(reasons: list[dict]) -> list[str]:
    return [s for s in (reason_sentence(r) for r in reasons or []) if s]
