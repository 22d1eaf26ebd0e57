"""The surveys' pages: the public answer page (no login, reached by the signed link in the
e-mail), the reports, and the administrators' survey settings with their invitations."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rapport.accounts.access import require_settings_manager
from rapport.core.cleaning import parse_date_or, parse_int
from rapport.core.errors import ValidationFailed
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, page_or_first
from rapport.surveys import selectors, services
from rapport.surveys.forms import AnswerForm, SurveyForm
from rapport.surveys.models import (
    ANSWER_CHANGEABLE_DAYS,
    CONFIRM_NO,
    CONFIRM_YES,
    SCORE_RANGE,
    SurveyKind,
)

LANGUAGES = ("zh-hans", "en")


# --- The public answer page --------------------------------------------------------------------


def _answer_context(invitation, response, form, *, language: str, locked: bool, saved: bool):
    survey = invitation.survey
    low, high = SCORE_RANGE[survey.kind]
    chosen = form["score"].value() if form.is_bound else form.initial.get("score")
    is_confirm = survey.kind == SurveyKind.CONFIRM
    if is_confirm:
        choices = [(str(CONFIRM_YES), _("Yes")), (str(CONFIRM_NO), _("No"))]
    else:
        choices = [(str(score), str(score)) for score in range(low, high + 1)]
    return {
        "invitation": invitation,
        "survey": survey,
        "question": survey.question(language),
        "choices": choices,
        "answer_label": dict(choices).get(str(response.score), "") if response else "",
        "is_confirm": is_confirm,
        "chosen": str(chosen) if chosen not in (None, "") else "",
        "is_nps": survey.kind == SurveyKind.NPS,
        "response": response,
        "form": form,
        "locked": locked,
        "saved": saved,
        "changeable_until": (
            invitation.answered_at + datetime.timedelta(days=ANSWER_CHANGEABLE_DAYS)
            if invitation.answered_at
            else None
        ),
        "changeable_days": ANSWER_CHANGEABLE_DAYS,
        "language": language,
        "other_language": "en" if language == "zh-hans" else "zh-hans",
    }


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    """Answer a survey: no login, the signed link is the key. A link that is not one we made
    answers 404; an answer older than ANSWER_CHANGEABLE_DAYS is shown read-only."""
    invitation = selectors.invitation_from_token(token)
    if invitation is None:
        raise Http404(_("This survey link is not valid."))
    language = request.GET.get("lang") or request.POST.get("lang") or invitation.language
    if language not in LANGUAGES:
        language = invitation.language if invitation.language in LANGUAGES else "en"
    with translation.override(language):
        response = selectors.invitation_response(invitation)
        locked = services.answer_locked(invitation)
        status = 200
        if request.method == "POST" and not locked:
            form = AnswerForm(request.POST)
            if form.is_valid():
                try:
                    services.response_submit(
                        invitation=invitation,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                        language=language,
                    )
                except services.AnswerLocked:
                    locked = True
                except ValidationFailed as exc:
                    form.apply_service_errors(exc.details)
                else:
                    return redirect(f"{request.path}?saved=1&lang={language}")
            status = 422 if form.errors else status
        else:
            initial = {}
            if response is not None:
                initial = {"score": str(response.score), "comment": response.comment}
            preselected = parse_int(request.GET.get("score"))
            low, high = SCORE_RANGE[invitation.survey.kind]
            if preselected is not None and low <= preselected <= high and not locked:
                # A score chosen in the e-mail: shown chosen, saved only when confirmed here.
                initial["score"] = str(preselected)
            form = AnswerForm(initial=initial)
            if request.method == "POST":
                status = 409
        context = _answer_context(
            invitation,
            response,
            form,
            language=language,
            locked=locked,
            saved=request.GET.get("saved") == "1" and response is not None,
        )
        return render(request, "surveys/answer.html", context, status=status)


# --- Reports -----------------------------------------------------------------------------------


@login_required
@require_GET
def reports(request):
    filters = selectors.ReportFilters(
        date_from=parse_date_or(request.GET.get("date_from")),
        date_to=parse_date_or(request.GET.get("date_to")),
        q=(request.GET.get("q") or "").strip()[:200],
    )
    report = selectors.survey_report(request.user, filters)
    chart = {
        "csat": {
            "months": [row["name"] for row in report.csat_by_month],
            "average": [row["average"] for row in report.csat_by_month],
            "satisfied": [row["satisfied_share"] for row in report.csat_by_month],
            "names": {"average": _("Average score"), "satisfied": _("Share of 4–5 (%)")},
        },
        "nps": {
            "months": [row["name"] for row in report.nps_by_month],
            "promoters": [row["promoters"] for row in report.nps_by_month],
            "passives": [row["passives"] for row in report.nps_by_month],
            "detractors": [row["detractors"] for row in report.nps_by_month],
            "score": [row["score"] for row in report.nps_by_month],
            "names": {
                "promoters": _("Promoters (9–10)"),
                "passives": _("Passives (7–8)"),
                "detractors": _("Detractors (0–6)"),
                "score": _("NPS"),
            },
        },
    }
    return render(
        request,
        "surveys/reports.html",
        {"report": report, "filters": filters, "chart": chart, "tab": "reports"},
    )


# --- Surveys (administrators) ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def survey_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = SurveyForm(
        request.POST or None,
        user=request.user,
        initial={"kind": SurveyKind.NPS, "is_active": True},
    )
    if request.method == "POST":
        saved = save_form(
            form, lambda: services.survey_create(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Survey added."))
            return redirect("surveys:survey_list")
    surveys = selectors.surveys_for_admin(request.user)
    return render(
        request, "surveys/survey_list.html", {"form": form, "surveys": surveys, "tab": "surveys"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    survey = found_or_404(selectors.get_survey_for_admin, request.user, pk)
    form = SurveyForm(request.POST or None, user=request.user, survey=survey)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.survey_update(actor=request.user, survey=survey, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Survey saved."))
            return redirect("surveys:survey_list")
    page = page_or_first(
        selectors.survey_invitations(request.user, survey),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=50,
    )
    return render(
        request,
        "surveys/survey_edit.html",
        {"form": form, "survey": survey, "page": page, "now": timezone.now(), "tab": "surveys"},
    )
