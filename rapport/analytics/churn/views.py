"""The churn pages: the model (figures of its validation), the at-risk list, the settings, and
the actions "train now" and "create a call task"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import can_manage_settings, require_settings_manager
from rapport.analytics.churn import selectors, services, tasks
from rapport.analytics.churn.models import RunStatus
from rapport.analytics.churn.reasons import reason_sentences
from rapport.analytics.churn.training import MIN_CUSTOMERS, MIN_PER_CLASS
from rapport.core.errors import ValidationFailed
from rapport.core.htmx import allowed_or_403, found_or_404
from rapport.customers.models import CustomFieldDefinition, CustomFieldType
from rapport.customers.selectors import get_company_for_user, get_person_for_user

PAGE_SIZE = 50


def feature_label(name: str, spec: dict) -> str:
    labels = {
        "recency_days": _("Days since the last order"),
        "frequency": _("Orders"),
        "money": _("Total spend"),
        "spend_90": _("Spend, last 90 days"),
        "spend_prev_90": _("Spend, the 90 days before"),
        "spend_trend": _("Change in spend"),
        "orders_365": _("Orders, last year"),
        "typical_gap_days": _("Usual days between orders"),
        "overdue_ratio": _("Days since the last order, in usual gaps"),
        "tenure_days": _("Days since the first order"),
        "interactions_90": _("Contacts, last 90 days"),
        "interaction_recency_days": _("Days since the last contact"),
        "tickets_90": _("Tickets, last 90 days"),
        "complaints_90": _("Complaints, last 90 days"),
        "tickets_365": _("Tickets, last year"),
        "csat_mean": _("Average CSAT"),
        "nps_mean": _("Average NPS answer"),
        "emails_90": _("E-mails sent, last 90 days"),
        "opens_90": _("E-mails opened, last 90 days"),
        "clicks_90": _("E-mails clicked, last 90 days"),
        "is_company": _("A company"),
    }
    if name in labels:
        return labels[name]
    if name.startswith("region_"):
        return _("Region: %(region)s") % {"region": spec["regions"][int(name.split("_")[1])]}
    for column, _key, label, value in spec.get("choices", []):
        if column == name:
            return f"{label}: {value}"
    return name


@login_required
@require_GET
def model_page(request):
    run = selectors.latest_run()
    trained = selectors.latest_trained_run()
    chart = None
    importance = []
    if trained is not None:
        importance = [
            {"label": feature_label(row["feature"], trained.feature_spec), **row}
            for row in trained.importance[:12]
        ]
        chart = {
            "calibration": {
                "predicted": [round(b["predicted"] * 100, 1) for b in trained.calibration],
                "observed": [round(b["observed"] * 100, 1) for b in trained.calibration],
                "counts": [b["count"] for b in trained.calibration],
                "names": {
                    "observed": _("Churned (observed)"),
                    "ideal": _("Perfect calibration"),
                    "predicted": _("Predicted risk (%)"),
                },
            },
            "importance": {
                "names": [row["label"] for row in importance],
                "values": [row["importance"] for row in importance],
            },
        }
    return render(
        request,
        "analytics_churn/model.html",
        {
            "run": run,
            "trained": trained,
            "chart": chart,
            "importance": importance,
            "may_train": can_manage_settings(request.user),
            "statuses": RunStatus,
            "min_customers": MIN_CUSTOMERS,
            "min_per_class": MIN_PER_CLASS,
        },
    )


@login_required
@require_POST
def train(request):
    allowed_or_403(require_settings_manager, request.user)
    user_id = request.user.pk
    transaction.on_commit(lambda: tasks.train_now(user_id))
    messages.success(request, _("Training started; the figures below change when it is done."))
    return redirect("analytics_churn:model")


@login_required
@require_GET
def at_risk(request):
    paginator = Paginator(selectors.at_risk_list(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {"score": score, "customer": score.customer, "reasons": reason_sentences(score.reasons)}
        for score in page.object_list
    ]
    return render(
        request,
        "analytics_churn/at_risk.html",
        {"page": page, "rows": rows, "run": selectors.latest_trained_run()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    allowed_or_403(require_settings_manager, request.user)
    current = services.churn_settings()
    errors: dict = {}
    if request.method == "POST":
        try:
            services.churn_settings_update(actor=request.user, data=request.POST)
        except ValidationFailed as error:
            errors = error.details
        else:
            messages.success(request, _("Churn settings saved."))
            return redirect("analytics_churn:settings")
    fields = CustomFieldDefinition.objects.filter(field_type=CustomFieldType.BOOLEAN)
    return render(
        request,
        "analytics_churn/settings.html",
        {"settings": current, "fields": fields, "errors": errors, "data": request.POST},
    )


@login_required
@require_POST
def call_task(request, kind: str, pk: int):
    if kind == "person":
        customer = found_or_404(get_person_for_user, request.user, pk)
        task = services.churn_call_task_create(actor=request.user, person=customer)
    else:
        customer = found_or_404(get_company_for_user, request.user, pk)
        task = services.churn_call_task_create(actor=request.user, company=customer)
    messages.success(request, _("Call task created."))
    return redirect(reverse("activities:task_detail", args=[task.pk]))
