"""The administrators' exchange rates page: list, add, correct, delete and import rates.

Every page is for those who may manage settings (403 for everyone else), as the other settings
pages are. Views stay thin: check that, call one selector or service, render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.core.errors import ValidationFailed
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404
from rapport.sales.forms.currency import ExchangeRateForm, ExchangeRateImportForm
from rapport.sales.selectors import currency as selectors
from rapport.sales.selectors.money import reporting_currency
from rapport.sales.services import currency as services

COLUMN_LABELS = {
    "currency": gettext_lazy("currency"),
    "valid_from": gettext_lazy("date"),
    "rate": gettext_lazy("rate"),
    "source": gettext_lazy("source"),
}


def import_problems(details: dict) -> list[dict]:
    """A refused import's `rows.<line>.<column>` details as rows for the page, by line."""
    problems = []
    for key, messages_ in details.items():
        section, _sep, rest = key.partition(".")
        line, _sep, column = rest.partition(".")
        for message in messages_:
            problems.append(
                {
                    "line": int(line) if section == "rows" and line.isdigit() else None,
                    "column": str(COLUMN_LABELS.get(column, column)),
                    "message": message,
                }
            )
    return sorted(problems, key=lambda p: (p["line"] or 0, p["column"]))


def _page(request, *, form=None, import_form=None, import_errors=None, status=200):
    currency = (request.GET.get("currency") or "").strip().upper()[:3]
    reporting = reporting_currency()
    return render(
        request,
        "sales/currency/exchange_rates.html",
        {
            "overview": selectors.exchange_rates_overview(currency=currency),
            "currency_filter": currency,
            "form": form or ExchangeRateForm(reporting=reporting),
            "import_form": import_form or ExchangeRateImportForm(),
            "import_errors": import_errors or [],
            "rates_shown": selectors.RATES_SHOWN,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exchange_rates(request):
    allowed_or_403(require_settings_manager, request.user)
    form = ExchangeRateForm(request.POST or None, reporting=reporting_currency())
    if request.method == "POST":
        rate = save_form(
            form, lambda: services.exchange_rate_create(actor=request.user, data=form.to_data())
        )
        if rate is not None:
            messages.success(
                request,
                _("Rate added: 1 %(currency)s = %(rate)s %(reporting)s from %(day)s.")
                % {
                    "currency": rate.currency,
                    "rate": rate.rate,
                    "reporting": rate.to_currency,
                    "day": rate.valid_from.isoformat(),
                },
            )
            return redirect("sales:exchange_rates")
    return _page(request, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def exchange_rate_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rate = found_or_404(selectors.get_exchange_rate, pk)
    form = ExchangeRateForm(request.POST or None, instance=rate, reporting=rate.to_currency)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.exchange_rate_update(
                actor=request.user, rate=rate, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Rate corrected. The audit log keeps the old value."))
            return redirect("sales:exchange_rates")
    return render(request, "sales/currency/exchange_rate_form.html", {"form": form, "rate": rate})


@login_required
@require_POST
def exchange_rate_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    rate = found_or_404(selectors.get_exchange_rate, pk)
    services.exchange_rate_delete(actor=request.user, rate=rate)
    messages.success(request, _("Rate deleted. The audit log keeps it."))
    return redirect("sales:exchange_rates")


@login_required
@require_POST
def exchange_rates_import(request):
    allowed_or_403(require_settings_manager, request.user)
    import_form = ExchangeRateImportForm(request.POST, request.FILES)
    if not import_form.is_valid():
        return _page(request, import_form=import_form, status=200)
    upload = import_form.cleaned_data["file"]
    # One byte more than allowed is enough for the service to refuse a file too large.
    content = upload.read(services.IMPORT_MAX_BYTES + 1)
    try:
        result = services.exchange_rates_import(
            actor=request.user, content=content, filename=upload.name[:100]
        )
    except ValidationFailed as exc:
        return _page(request, import_form=import_form, import_errors=import_problems(exc.details))
    messages.success(
        request,
        _("Rates imported: %(created)d added, %(updated)d corrected, %(unchanged)d unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("sales:exchange_rates")
