"""HTML pages for merging: pick the other record, compare side by side, merge, undo, history.

The compare page names the two records `a` and `b` as in its URL; the user chooses which one
survives and, per differing field, whose value it keeps. The view turns that into the service's
"survivor" / "other" choices.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.errors import ApplicationError
from rapport.core.formats import format_birthday, format_date, format_datetime
from rapport.core.htmx import found_or_404, int_or_none, page_or_first
from rapport.customers.selectors import (
    CustomerFilters,
    companies_list,
    custom_fields_for,
    get_company_for_user,
    get_person_for_user,
    persons_list,
)
from rapport.dataio.models import MergeRecordType
from rapport.dataio.selectors import merges as selectors
from rapport.dataio.services.dedup import merge as services

PICK_LIMIT = 20


@dataclass(frozen=True)
class _Page:
    record_type: str
    get_for_user: object
    merge: object
    search: object
    detail_url: str
    merge_url: str
    pick_url: str


_PAGES = {
    MergeRecordType.PERSON: _Page(
        MergeRecordType.PERSON,
        get_person_for_user,
        services.person_merge,
        persons_list,
        "customers:person_detail",
        "dataio:merge_persons",
        "dataio:merge_pick_person",
    ),
    MergeRecordType.COMPANY: _Page(
        MergeRecordType.COMPANY,
        get_company_for_user,
        services.company_merge,
        companies_list,
        "customers:company_detail",
        "dataio:merge_companies",
        "dataio:merge_pick_company",
    ),
}


def _shown(record, field: services.MergeField) -> str:
    """A field's value as the compare page shows it."""
    if field.name == "owner":
        team = record.team.name if record.team_id else "—"
        return f"{record.owner} · {team}"
    if field.columns == services.BIRTHDAY_COLUMNS:
        return format_birthday(*services.field_value(record, field))
    if field.name.startswith(services.CUSTOM_PREFIX):
        value = services.field_value(record, field)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)
    column = field.columns[0]
    display = getattr(record, f"get_{column}_display", None)
    if display is not None:
        return str(display())
    value = getattr(record, column)
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    return "" if value is None else str(value)


def _rows(record_type: str, a, b, posted) -> list[dict]:
    custom_labels = {d.key: d.label for d in custom_fields_for(record_type, active_only=False)}
    rows = []
    for field in services.merge_fields(record_type, a, b):
        label = field.label
        if field.name.startswith(services.CUSTOM_PREFIX):
            label = custom_labels.get(field.name.removeprefix(services.CUSTOM_PREFIX), label)
        same = services.field_value(a, field) == services.field_value(b, field)
        default = "a" if services.default_choice(field, a, b) == services.SURVIVOR else "b"
        chosen = posted.get(f"choice_{field.name}") if posted else None
        rows.append(
            {
                "name": field.name,
                "label": label,
                "a": _shown(a, field),
                "b": _shown(b, field),
                "same": same,
                "chosen": chosen if chosen in ("a", "b") else default,
            }
        )
    return rows


def _undo_message(request, merge, survivor_name: str):
    """The success message, with the Undo button (a POST form) right in it."""
    return format_html(
        '{} <form method="post" action="{}" style="display:inline" data-testid="merge-undo-form">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" data-testid="merge-undo">{}</button></form>',
        _("%(other)s was merged into %(survivor)s.")
        % {"other": merge.other_name, "survivor": survivor_name},
        reverse("dataio:merge_undo", kwargs={"pk": merge.pk}),
        get_token(request),
        _("Undo"),
    )


def _compare(request, record_type: str, a: int, b: int):
    page = _PAGES[record_type]
    actor = request.user
    record_a = found_or_404(page.get_for_user, actor, a)
    record_b = found_or_404(page.get_for_user, actor, b)
    posted = request.POST if request.method == "POST" else None
    error = None
    if posted is not None:
        survivor_key = "b" if posted.get("survivor") == "b" else "a"
        survivor, other = (record_b, record_a) if survivor_key == "b" else (record_a, record_b)
        choices = {}
        for field in services.merge_fields(record_type, record_a, record_b):
            picked = posted.get(f"choice_{field.name}")
            if picked in ("a", "b"):
                choices[field.name] = (
                    services.SURVIVOR if picked == survivor_key else services.OTHER
                )
        try:
            merge = page.merge(
                actor=actor,
                survivor=survivor,
                other=other,
                choices=choices,
                survivor_version=int_or_none(posted.get(f"version_{survivor_key}")),
                other_version=int_or_none(
                    posted.get("version_b" if survivor_key == "a" else "version_a")
                ),
            )
        except ApplicationError as exc:
            error = exc
        else:
            survivor.refresh_from_db()
            messages.success(request, _undo_message(request, merge, str(survivor)))
            return redirect(page.detail_url, pk=survivor.pk)
    return render(
        request,
        "dataio/merges/compare.html",
        {
            "record_type": record_type,
            "a": record_a,
            "b": record_b,
            "rows": _rows(record_type, record_a, record_b, posted),
            "survivor": (posted or {}).get("survivor") or "a",
            "error": error,
            "detail_url": page.detail_url,
            "pick_url": page.pick_url,
        },
        status=getattr(error, "status", 200),
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge_persons(request, a: int, b: int):
    return _compare(request, MergeRecordType.PERSON, a, b)


@login_required
@require_http_methods(["GET", "POST"])
def merge_companies(request, a: int, b: int):
    return _compare(request, MergeRecordType.COMPANY, a, b)


def _pick(request, record_type: str, a: int):
    page = _PAGES[record_type]
    record = found_or_404(page.get_for_user, request.user, a)
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        qs = page.search(request.user, CustomerFilters(q=q)).exclude(pk=record.pk)
        sort = "full_name" if record_type == MergeRecordType.PERSON else "name"
        found = page_or_first(qs, sort=sort, cursor=None, size=PICK_LIMIT).items
    return render(
        request,
        "dataio/merges/pick.html",
        {
            "record_type": record_type,
            "record": record,
            "q": q,
            "found": found,
            "merge_url": page.merge_url,
            "detail_url": page.detail_url,
        },
    )


@login_required
@require_GET
def merge_pick_person(request, a: int):
    return _pick(request, MergeRecordType.PERSON, a)


@login_required
@require_GET
def merge_pick_company(request, a: int):
    return _pick(request, MergeRecordType.COMPANY, a)


@login_required
@require_POST
def merge_undo(request, pk: int):
    merge = found_or_404(selectors.get_merge_for_user, request.user, pk)
    detail_url = _PAGES[merge.record_type].detail_url
    try:
        services.merge_undo(actor=request.user, merge=merge)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if merge.survivor_id is not None:
            return redirect(detail_url, pk=merge.survivor_id)
        return redirect("dataio:merge_list")
    messages.success(
        request,
        format_html(
            '{} <a href="{}" data-testid="merge-restored">{}</a>',
            _("The merge was undone."),
            reverse(detail_url, kwargs={"pk": merge.other_id}),
            merge.other_name,
        ),
    )
    return redirect(detail_url, pk=merge.survivor_id)


@login_required
@require_GET
def merge_list(request):
    qs = selectors.merges_visible_to(request.user)
    page = page_or_first(qs, sort="-created_at", cursor=request.GET.get("cursor"), size=25)
    rows = [
        {
            "merge": m,
            "refusal": services.merge_undo_refusal(m),
            "detail_url": _PAGES[m.record_type].detail_url,
        }
        for m in page.items
    ]
    return render(request, "dataio/merges/list.html", {"page": page, "rows": rows})
