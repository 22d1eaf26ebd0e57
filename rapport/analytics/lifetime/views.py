"""The lifetime value model page: the current model's parameters in words, the holdout check,
the runs, and "fit now". Administrators' (the figures span every customer)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.analytics.lifetime import selectors, services
from rapport.analytics.lifetime.forms import FitForm
from rapport.analytics.lifetime.presentation import holdout_chart, parameters_in_words
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403

RUNS_SHOWN = 10


def _page(request, form: FitForm):
    current = selectors.current_run()
    latest = selectors.latest_run()
    return render(
        request,
        "analytics_lifetime/model.html",
        {
            "form": form,
            "current": current,
            "latest": latest,
            "active": selectors.active_run(),
            "figures": parameters_in_words(current) if current else None,
            "check": holdout_chart(current) if current else None,
            "runs": list(selectors.lifetime_runs()[:RUNS_SHOWN]),
        },
    )


@login_required
@require_GET
def model_page(request):
    allowed_or_403(require_settings_manager, request.user)
    return _page(request, FitForm())


@login_required
@require_POST
def fit_now(request):
    allowed_or_403(require_settings_manager, request.user)
    form = FitForm(request.POST)
    run = save_form(
        form,
        lambda: services.lifetime_run_create(
            actor=request.user,
            as_of=form.cleaned_data["as_of"],
            holdout_weeks=form.cleaned_data["holdout_weeks"],
        ),
    )
    if run is None:
        return _page(request, form)
    messages.success(request, _("The fit is queued; this page shows it when it is done."))
    return redirect("analytics_lifetime:model")
