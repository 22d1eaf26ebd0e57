"""HTML pages for deals: list, kanban, deal page and forms, reports, quotas, deal settings.

Views stay thin: read input, get the deal through `get_deal_for_user` (another team's deal is a
404 page), call one service or selector, render. The kanban's columns load lazily with htmx and
a drag posts the move here; the answer swaps the card and every column's totals out of band.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.models import Role
from rapport.accounts.saved_view_views import saved_views_state
from rapport.accounts.selectors import teams_for_filters, users_for_filters
from rapport.core.cleaning import parse_date_or
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.formats import format_money, join_sentences
from rapport.core.forms import save_form
from rapport.core.htmx import (
    allowed_or_403,
    found_or_404,
    int_or_none,
    is_htmx,
    page_or_first,
)
from rapport.customers.selectors import CustomerFilters, persons_list
from rapport.sales.forms.deals import DealForm, LoseForm, NameForm, QuotaForm, StageForm
from rapport.sales.models import DealStatus, Priority, QuotaPeriod, StageKind
from rapport.sales.selectors import deals as selectors
from rapport.sales.selectors import forecast as reports
from rapport.sales.selectors.money import reporting_currency
from rapport.sales.services import deals as services
from rapport.sales.services import quotas as quota_services

PERSON_OPTIONS_SHOWN = 20
QUOTAS_SHOWN = 25


def _filters(request) -> selectors.DealFilters:
    get = request.GET
    return selectors.DealFilters(
        q=get.get("q", "").strip(),
        pipeline_id=int_or_none(get.get("pipeline_id")),
        stage_id=int_or_none(get.get("stage_id")),
        status=get.get("status", "") if get.get("status") in DealStatus.values else "",
        owner_id=int_or_none(get.get("owner_id")),
        team_id=int_or_none(get.get("team_id")),
        person_id=int_or_none(get.get("person_id")),
        company_id=int_or_none(get.get("company_id")),
        priority=get.get("priority", "") if get.get("priority") in Priority.values else "",
    )


def _owner_team_choices(user) -> dict:
    return {
        "owners": users_for_filters(user),
        "teams": teams_for_filters(user),
    }


# --- List, detail, forms -------------------------------------------------------------------------


@login_required
@require_GET
def deal_list(request):
    saved_views = saved_views_state(request, "deals")
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    sort = request.GET.get("sort")
    if sort not in selectors.DEAL_SORTS:
        sort = "-updated_at"
    filters = _filters(request)
    page = page_or_first(
        selectors.deals_list(request.user, filters),
        sort=sort,
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "sales/deals/deal_list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "pipelines": selectors.pipelines_all(),
            "statuses": DealStatus.choices,
            "priorities": Priority.choices,
            "sort_choices": [
                ("-updated_at", _("Recently updated")),
                ("-created_at", _("Newest")),
                ("created_at", _("Oldest")),
                ("title", _("Title (A–Z)")),
            ],
            **_owner_team_choices(request.user),
            **saved_views.context(),
        },
    )


@login_required
@require_GET
def deal_detail(request, pk: int):
    deal = found_or_404(selectors.deal_detail, request.user, pk)
    open_stages, _closing = selectors.kanban_stages(deal.pipeline)
    return render(
        request,
        "sales/deals/deal_detail.html",
        {"deal": deal, "open_stages": open_stages, "lose_form": LoseForm()},
    )


@login_required
def deal_create(request):
    actor = request.user
    # "New deal" on a person's or company's page opens the form with that customer chosen
    # (?person_id= or ?person=, ?company_id= or ?company=); the form offers it only if visible.
    customer = {}
    for key in ("person_id", "company_id"):
        value = int_or_none(request.GET.get(key) or request.GET.get(key.removesuffix("_id")))
        if value:
            customer[key] = value
    form = DealForm(request.POST or None, actor=actor, initial_customer=customer)
    if request.method == "POST":
        deal = save_form(form, lambda: services.deal_create(actor=actor, data=form.to_data()))
        if deal is not None:
            messages.success(request, _("Deal created."))
            return redirect("sales:deal_detail", pk=deal.pk)
    return render(request, "sales/deals/deal_form.html", {"form": form})


@login_required
def deal_edit(request, pk: int):
    actor = request.user
    deal = found_or_404(selectors.deal_detail, actor, pk)
    form = DealForm(request.POST or None, actor=actor, instance=deal)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.deal_update(
                actor=actor,
                deal=deal,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:deal_detail", pk=deal.pk)
    return render(request, "sales/deals/deal_form.html", {"form": form, "deal": deal})


@login_required
@require_POST
def deal_delete(request, pk: int):
    deal = found_or_404(selectors.get_deal_for_user, request.user, pk)
    services.deal_delete(actor=request.user, deal=deal)
    messages.success(request, _("Deal deleted."))
    return redirect("sales:deal_list")


@login_required
@require_GET
def person_options(request):
    """`<option>`s for the deal form's person picker: the first visible matches of `q`."""
    q = request.GET.get("person_search", "").strip()
    persons = persons_list(request.user, CustomerFilters(q=q)).order_by("-updated_at")
    return render(
        request,
        "sales/deals/_person_options.html",
        {"persons": persons[:PERSON_OPTIONS_SHOWN] if q else [], "q": q},
    )


# --- Moves: from the deal page (forms) and the kanban (htmx) --------------------------------------


def _kanban_filters(data) -> selectors.DealFilters:
    return selectors.DealFilters(
        owner_id=int_or_none(data.get("owner_id")), team_id=int_or_none(data.get("team_id"))
    )


def _filter_query(filters: selectors.DealFilters) -> str:
    """The owner and team filters as a query string, for the column and move URLs."""
    return urlencode(
        {k: v for k, v in (("owner_id", filters.owner_id), ("team_id", filters.team_id)) if v}
    )


def _error_text(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.details:
        return " ".join(str(m) for messages_ in exc.details.values() for m in messages_)
    return exc.message


def _kanban_answer(request, deal, filters) -> HttpResponse:
    """The moved card and every open column's header, swapped out of band."""
    open_stages, _closing = selectors.kanban_stages(deal.pipeline)
    return render(
        request,
        "sales/deals/_kanban_moved.html",
        {
            "deal": deal,
            "open": deal.status == DealStatus.OPEN,
            "columns": _columns(
                open_stages,
                selectors.kanban_totals(request.user, deal.pipeline, filters, columns=open_stages),
            ),
            "filters": filters,
        },
    )


def _act(request, pk: int, action) -> HttpResponse:
    """Run a move-like action; htmx gets the kanban answer or the error text (4xx), a form post
    a message and the deal page."""
    deal = found_or_404(selectors.get_deal_for_user, request.user, pk)
    version = int_or_none(request.POST.get("version"))
    try:
        deal = action(deal, version)
    except NotFound as exc:
        if is_htmx(request):
            return HttpResponse(exc.message, status=404, content_type="text/plain")
        raise
    except ApplicationError as exc:
        if is_htmx(request):
            return HttpResponse(_error_text(exc), status=exc.status, content_type="text/plain")
        messages.error(request, _error_text(exc))
        return redirect("sales:deal_detail", pk=pk)
    if is_htmx(request):
        deal = selectors.get_deal_for_user(request.user, deal.pk)
        return _kanban_answer(request, deal, _kanban_filters(request.POST))
    messages.success(request, _("Deal updated."))
    return redirect("sales:deal_detail", pk=pk)


@login_required
@require_POST
def deal_move(request, pk: int):
    def move(deal, version):
        stage = selectors.get_stage(int_or_none(request.POST.get("stage_id")) or 0)
        return services.deal_move_stage(
            actor=request.user,
            deal=deal,
            stage=stage,
            version=version,
            lost_reason_id=int_or_none(request.POST.get("lost_reason_id")),
            note=request.POST.get("note", ""),
        )

    return _act(request, pk, move)


@login_required
@require_POST
def deal_win(request, pk: int):
    return _act(
        request,
        pk,
        lambda deal, version: services.deal_win(
            actor=request.user, deal=deal, note=request.POST.get("note", ""), version=version
        ),
    )


@login_required
@require_POST
def deal_lose(request, pk: int):
    return _act(
        request,
        pk,
        lambda deal, version: services.deal_lose(
            actor=request.user,
            deal=deal,
            reason_id=int_or_none(request.POST.get("lost_reason_id")),
            note=request.POST.get("note", ""),
            version=version,
        ),
    )


@login_required
@require_POST
def deal_reopen(request, pk: int):
    return _act(
        request,
        pk,
        lambda deal, version: services.deal_reopen(actor=request.user, deal=deal, version=version),
    )


# --- Kanban --------------------------------------------------------------------------------------


def _columns(open_stages, totals) -> list[dict]:
    return [
        {"stage": stage, "total": totals.get(stage.pk, selectors.ColumnTotal())}
        for stage in open_stages
    ]


@login_required
@require_GET
def kanban_default(request):
    pipeline = services.pipeline_get_default()
    query = request.GET.urlencode()
    url = reverse("sales:kanban", args=[pipeline.pk])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def kanban(request, pk: int):
    """The board's frame: columns with their totals (one GROUP BY); cards load per column."""
    pipeline = found_or_404(selectors.get_pipeline, pk)
    filters = _kanban_filters(request.GET)
    open_stages, closing_stages = selectors.kanban_stages(pipeline)
    return render(
        request,
        "sales/deals/kanban.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipelines_all(active_only=True),
            "columns": _columns(
                open_stages,
                selectors.kanban_totals(request.user, pipeline, filters, columns=open_stages),
            ),
            "won_stage": next((s for s in closing_stages if s.kind == StageKind.WON), None),
            "lost_stage": next((s for s in closing_stages if s.kind == StageKind.LOST), None),
            "filters": filters,
            "filter_query": _filter_query(filters),
            "lose_form": LoseForm(),
            "texts": {
                "failed": _("The deal could not be moved. Try again."),
                "won": _("Deal won."),
                "lost": _("Deal lost."),
            },
            **_owner_team_choices(request.user),
        },
    )


@login_required
@require_GET
def kanban_column(request, stage_pk: int):
    """One page of a column's cards (keyset), with a "load more" button when there are more."""
    stage = found_or_404(selectors.get_stage, stage_pk)
    filters = _kanban_filters(request.GET)
    try:
        page = selectors.kanban_column(
            request.user, stage, filters, cursor=request.GET.get("cursor") or None
        )
    except ApplicationError:
        page = selectors.kanban_column(request.user, stage, filters)
    return render(
        request,
        "sales/deals/_kanban_cards.html",
        {"stage": stage, "page": page, "filter_query": _filter_query(filters)},
    )


# --- Reports -------------------------------------------------------------------------------------


def forecast_chart(result: reports.Forecast) -> dict:
    """The data of the forecast chart (static/js/charts.js "forecast"): this and next quarter,
    for the Forecast page and the home page. It plots converted amounts; its axis names the
    reporting currency and the currencies left out."""
    left_out = {c for n in result.total for c in (*n.open_left_out, *n.won_left_out)}
    return {
        "quarters": [label for label, _start, _end in result.quarters],
        "series": {
            "weighted": [_chart_money(n.weighted.converted) for n in result.total],
            "committed": [_chart_money(n.committed.converted) for n in result.total],
            "best_case": [_chart_money(n.best_case.converted) for n in result.total],
            "won": [_chart_money(n.won_amount) for n in result.total],
            "quota": [_chart_money(n.target.amount) for n in result.total],
        },
        "names": {
            "weighted": _("Weighted"),
            "committed": _("Committed"),
            "best_case": _("Best case"),
            "won": _("Won"),
            "quota": _("Quota"),
        },
        "axis": chart_amount_label(result.currency, left_out),
    }


def chart_amount_label(currency: str, left_out) -> str:
    """A chart's name for converted amounts: the reporting currency, and what has no rate."""
    if not left_out:
        return _("Amount (%(currency)s)") % {"currency": currency}
    return _("Amount (%(currency)s; %(missing)s not counted: no exchange rate)") % {
        "currency": currency,
        "missing": ", ".join(sorted(left_out)),
    }


def money_notes(currency: str, rates, left_out) -> str:
    """What a report converted into the reporting currency and what it left out, in sentences:
    "Amounts in CNY; USD converted at 7.1 (12/1/2026). Q4 2026, won deals: 100.00 JPY: no
    exchange rate, not counted." `left_out` is a list of (what, {currency: amount})."""
    if rates:
        converted = ", ".join(
            _("%(currency)s converted at %(rate)s (%(day)s)")
            % {
                "currency": rate.currency,
                "rate": format(rate.rate.normalize(), "f"),
                "day": date_format(rate.valid_from, "SHORT_DATE_FORMAT"),
            }
            for rate in rates
        )
        sentences = [
            _("Amounts in %(currency)s; %(converted)s")
            % {
                "currency": currency,
                "converted": converted,
            }
        ]
    else:
        sentences = [_("Amounts in %(currency)s") % {"currency": currency}]
    for what, amounts in left_out:
        if amounts:
            sentences.append(
                _("%(what)s: %(amounts)s: no exchange rate, not counted")
                % {
                    "what": what,
                    "amounts": ", ".join(format_money(a, c) for c, a in sorted(amounts.items())),
                }
            )
    return join_sentences(sentences)


def forecast_money_notes(result: reports.Forecast) -> str:
    left_out = []
    for (label, _start, _end), n in zip(result.quarters, result.total, strict=True):
        left_out.append((_("%(quarter)s, open deals") % {"quarter": label}, n.open_left_out))
        left_out.append((_("%(quarter)s, won deals") % {"quarter": label}, n.won_left_out))
    return money_notes(result.currency, result.rates, left_out)


def _chart_money(value) -> str:
    # ECharts plots numbers; the JSON carries the exact decimal as text and the chart parses it
    # for drawing only. Tables show the Decimal itself.
    return f"{value:.2f}"


@login_required
@require_GET
def forecast_page(request):
    filters = _kanban_filters(request.GET)
    pipeline_id = int_or_none(request.GET.get("pipeline_id"))
    result = reports.forecast(
        request.user,
        pipeline_id=pipeline_id,
        owner_id=filters.owner_id,
        team_id=filters.team_id,
    )
    chart = forecast_chart(result)
    return render(
        request,
        "sales/deals/forecast.html",
        {
            "forecast": result,
            "total_rows": [(q[0], n) for q, n in zip(result.quarters, result.total, strict=True)],
            "chart": chart,
            "money_notes": forecast_money_notes(result),
            "commit_probability": reports.COMMIT_PROBABILITY,
            "filters": filters,
            "pipeline_id": pipeline_id,
            "pipelines": selectors.pipelines_all(),
            "leaders": reports.leaderboard(request.user, period=QuotaPeriod.QUARTER),
            **_owner_team_choices(request.user),
        },
    )


@login_required
@require_GET
def funnel_page(request):
    pipeline_id = int_or_none(request.GET.get("pipeline_id"))
    if pipeline_id:
        pipeline = found_or_404(selectors.get_pipeline, pipeline_id)
    else:
        pipeline = selectors.get_pipeline(services.pipeline_get_default().pk)
    today = timezone.localdate()
    date_to = parse_date_or(request.GET.get("date_to"), today)
    date_from = parse_date_or(request.GET.get("date_from"), date_to - datetime.timedelta(days=89))
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    filters = _kanban_filters(request.GET)
    result = reports.funnel(
        request.user,
        pipeline,
        date_from=date_from,
        date_to=date_to,
        owner_id=filters.owner_id,
        team_id=filters.team_id,
    )
    chart = [{"name": step.name, "value": step.reached} for step in result.steps]
    chart.append({"name": _("Won"), "value": result.won})
    return render(
        request,
        "sales/deals/funnel.html",
        {
            "funnel": result,
            "chart": chart,
            "pipeline": pipeline,
            "pipelines": selectors.pipelines_all(),
            "filters": filters,
            **_owner_team_choices(request.user),
        },
    )


@login_required
@require_GET
def lost_reasons_page(request):
    today = timezone.localdate()
    date_to = parse_date_or(request.GET.get("date_to"), today)
    date_from = parse_date_or(request.GET.get("date_from"), date_to - datetime.timedelta(days=89))
    filters = _kanban_filters(request.GET)
    pipeline_id = int_or_none(request.GET.get("pipeline_id"))
    rows = reports.lost_reasons_report(
        request.user,
        date_from=date_from,
        date_to=date_to,
        pipeline_id=pipeline_id,
        owner_id=filters.owner_id,
        team_id=filters.team_id,
    )
    return render(
        request,
        "sales/deals/lost_reasons.html",
        {
            "rows": rows,
            "chart": [{"name": r.name, "value": r.count} for r in rows],
            "date_from": date_from,
            "date_to": date_to,
            "filters": filters,
            "pipeline_id": pipeline_id,
            "pipelines": selectors.pipelines_all(),
            **_owner_team_choices(request.user),
        },
    )


@login_required
@require_GET
def leaderboard_page(request):
    period = request.GET.get("period")
    if period not in QuotaPeriod.values:
        period = QuotaPeriod.MONTH
    today = timezone.localdate()
    start = reports.period_start(period, today)
    rows = reports.leaderboard(request.user, period=period, day=today)
    rates = {rate.currency: rate for row in rows for rate in row.won.rates}
    return render(
        request,
        "sales/deals/leaderboard.html",
        {
            "rows": rows,
            "period": period,
            "period_label": reports.period_label(period, start),
            "periods": QuotaPeriod.choices,
            "currency": reporting_currency(),
            # Who had what left out is shown on their row.
            "money_notes": money_notes(reporting_currency(), [rates[c] for c in sorted(rates)], []),
        },
    )


# --- Quotas --------------------------------------------------------------------------------------


def _may_set_quotas(user) -> bool:
    return user.is_administrator or (user.role == Role.SALES_MANAGER and user.team_id)


@login_required
def quota_list(request):
    actor = request.user
    form = QuotaForm(request.POST or None, actor=actor) if _may_set_quotas(actor) else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        try:
            quota = save_form(
                form, lambda: quota_services.quota_set(actor=actor, data=form.to_data())
            )
        except ApplicationError as exc:  # PermissionDenied for someone else's team
            form.add_error(None, exc.message)
            quota = None
        if quota is not None:
            messages.success(request, _("Quota saved."))
            return redirect("sales:quota_list")
    page = page_or_first(
        reports.quotas_visible_to(actor),
        sort="-period_start",
        cursor=request.GET.get("cursor"),
        size=QUOTAS_SHOWN,
    )
    return render(
        request,
        "sales/deals/quota_list.html",
        {"form": form, "page": page, "attainment": reports.dashboard_attainment(actor)},
    )


@login_required
@require_GET
def attainment_widget(request):
    """The home page's quota attainment cards, loaded with htmx so the home page stays light."""
    return render(
        request,
        "sales/deals/_attainment.html",
        {"attainment": reports.dashboard_attainment(request.user)},
    )


@login_required
@require_POST
def quota_delete(request, pk: int):
    quota = found_or_404(reports.get_quota_for_user, request.user, pk)
    try:
        quota_services.quota_delete(actor=request.user, quota=quota)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Quota deleted."))
    return redirect("sales:quota_list")


# --- Settings: pipelines, stages, lost reasons (administrators) -----------------------------------


@login_required
def pipeline_settings(request):
    allowed_or_403(require_settings_manager, request.user)
    form = NameForm(request.POST or None)
    if request.method == "POST":
        pipeline = save_form(
            form, lambda: services.pipeline_create(actor=request.user, data=form.to_data())
        )
        if pipeline is not None:
            messages.success(request, _("Pipeline created."))
            return redirect("sales:pipeline_edit", pk=pipeline.pk)
    return render(
        request,
        "sales/deals/pipeline_settings.html",
        {"form": form, "pipelines": selectors.pipelines_all()},
    )


@login_required
def pipeline_edit(request, pk: int):
    """Rename the pipeline, make it the default, add stages; each stage edits in place."""
    allowed_or_403(require_settings_manager, request.user)
    pipeline = found_or_404(selectors.get_pipeline, pk)
    form = StageForm(request.POST or None, prefix="new")
    if request.method == "POST":
        stage = save_form(
            form,
            lambda: services.stage_create(
                actor=request.user, pipeline=pipeline, data=form.to_data()
            ),
        )
        if stage is not None:
            messages.success(request, _("Stage added."))
            return redirect("sales:pipeline_edit", pk=pk)
    return render(
        request,
        "sales/deals/pipeline_edit.html",
        {"pipeline": pipeline, "form": form, "stages": list(pipeline.stages.all())},
    )


@login_required
@require_POST
def pipeline_update(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    pipeline = found_or_404(selectors.get_pipeline, pk)
    data = {}
    if "name" in request.POST:
        data["name"] = request.POST["name"]
    for key in ("is_default", "is_active"):
        if key in request.POST:
            data[key] = request.POST[key] == "1"
    try:
        services.pipeline_update(actor=request.user, pipeline=pipeline, data=data)
        messages.success(request, _("Changes saved."))
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("sales:pipeline_edit", pk=pk)


@login_required
@require_POST
def pipeline_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    pipeline = found_or_404(selectors.get_pipeline, pk)
    try:
        services.pipeline_delete(actor=request.user, pipeline=pipeline)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("sales:pipeline_edit", pk=pk)
    messages.success(request, _("Pipeline deleted."))
    return redirect("sales:pipeline_settings")


@login_required
@require_POST
def stage_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    stage = found_or_404(selectors.get_stage, pk)
    form = StageForm(request.POST, prefix=f"stage-{pk}")
    if form.is_valid():
        try:
            services.stage_update(actor=request.user, stage=stage, data=form.to_data())
            messages.success(request, _("Stage saved."))
        except ApplicationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("Please correct the errors below."))
    return redirect("sales:pipeline_edit", pk=stage.pipeline_id)


@login_required
@require_POST
def stage_move(request, pk: int):
    """Move a stage one place up or down (`direction` = up|down)."""
    allowed_or_403(require_settings_manager, request.user)
    stage = found_or_404(selectors.get_stage, pk)
    ids = list(stage.pipeline.stages.order_by("position", "id").values_list("pk", flat=True))
    i = ids.index(stage.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.stage_reorder(actor=request.user, pipeline=stage.pipeline, stage_ids=ids)
    return redirect("sales:pipeline_edit", pk=stage.pipeline_id)


@login_required
@require_POST
def stage_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    stage = found_or_404(selectors.get_stage, pk)
    try:
        services.stage_delete(actor=request.user, stage=stage)
        messages.success(request, _("Stage deleted."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("sales:pipeline_edit", pk=stage.pipeline_id)


@login_required
def lost_reason_settings(request):
    allowed_or_403(require_settings_manager, request.user)
    form = NameForm(request.POST or None)
    if request.method == "POST":
        reason = save_form(
            form, lambda: services.lost_reason_create(actor=request.user, data=form.to_data())
        )
        if reason is not None:
            messages.success(request, _("Lost reason added."))
            return redirect("sales:lost_reason_settings")
    return render(
        request,
        "sales/deals/lost_reason_settings.html",
        {"form": form, "reasons": selectors.lost_reasons_all()},
    )


@login_required
@require_POST
def lost_reason_toggle(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    reason = found_or_404(selectors.get_lost_reason, pk)
    services.lost_reason_update(
        actor=request.user, reason=reason, data={"is_active": not reason.is_active}
    )
    return redirect("sales:lost_reason_settings")
