"""HTML pages for persons, companies, and the administrators' tag and custom field settings.

Views stay thin: read input, check access through the selectors, call one service, render. The
timeline and the log-interaction form on the 360° pages belong to `activities` and are loaded
from its URLs with htmx, so this app does not import the one above it.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.access import require_settings_manager
from rapport.accounts.list_specs import list_extra_columns, list_extra_filters
from rapport.accounts.saved_view_views import saved_views_state
from rapport.accounts.selectors import teams_for_filters, users_for_filters
from rapport.core.errors import ApplicationError
from rapport.core.forms import save_form
from rapport.core.htmx import allowed_or_403, found_or_404, page_or_first
from rapport.customers import services
from rapport.customers.duplicates import likely_duplicates
from rapport.customers.forms import (
    LABEL_CHOICES,
    CompanyForm,
    CustomFieldForm,
    PersonForm,
    RawPhoneForm,
    TagForm,
)
from rapport.customers.models import ContactLabel, LifecycleStage, RecordType, SourceChannel
from rapport.customers.selectors import (
    COMPANY_SORTS,
    PERSON_SORTS,
    CustomerFilters,
    companies_list,
    company_detail,
    company_people,
    custom_fields_for,
    customer_filters_from,
    get_custom_field,
    get_tag,
    list_partitions,
    person_detail,
    persons_list,
    tags_all,
)
from rapport.customers.vcard import person_vcard, vcard_filename

COMPANY_PEOPLE_SHOWN = 50
COMPANY_OPTIONS_SHOWN = 20


# --- Lists ---------------------------------------------------------------------------------------


def _filters(request) -> CustomerFilters:
    return customer_filters_from(request.GET)


def _filter_choices(user, record_type: str, filters: CustomerFilters) -> dict:
    """What the filter bar offers: bounded lists only (active users of the team, all teams)."""
    return {
        "filters": filters,
        "owners": users_for_filters(user),
        "teams": teams_for_filters(user),
        "tags": tags_all(),
        "stages": LifecycleStage.choices,
        "sources": SourceChannel.choices,
        "custom_definitions": custom_fields_for(record_type),
    }


def _sort_choices(name_field: str) -> list[tuple[str, str]]:
    return [
        ("-updated_at", _("Recently updated")),
        ("updated_at", _("Least recently updated")),
        ("-created_at", _("Newest")),
        ("created_at", _("Oldest")),
        (name_field, _("Name (A–Z)")),
        (f"-{name_field}", _("Name (Z–A)")),
    ]


def _extra_filters(request, list_key: str) -> list[tuple]:
    """The filters other apps added to the list (`accounts.list_specs.register_list_extension`),
    each with the value the query string gives it (cleaned; "" when none or refused)."""
    shown = []
    for extra in list_extra_filters(list_key):
        raw = request.GET.get(extra.param, "")
        value = (extra.cleaner(raw) or "") if raw else ""
        shown.append((extra, value))
    return shown


def _fill_extra_columns(user, list_key: str, shown: list[str], rows: list) -> list:
    """Each row's `extra_cells`, (label, value) in the order of the added columns shown: one
    call of each column's `values` for the whole page."""
    columns = [c for c in list_extra_columns(list_key) if c.key in shown]
    ids = [row.pk for row in rows]
    values = [c.values(user, ids) if ids else {} for c in columns]
    for row in rows:
        row.extra_cells = [
            (c.label, v.get(row.pk, "")) for c, v in zip(columns, values, strict=True)
        ]
    return columns


def _list_page(
    request, *, list_key, selector, sorts, record_type, template, default_sort="-updated_at"
):
    saved_views = saved_views_state(request, list_key)
    if saved_views.redirect_to:
        return redirect(saved_views.redirect_to)
    sort = request.GET.get("sort")
    if sort not in sorts:
        sort = default_sort
    filters = _filters(request)
    # Only the columns shown are fetched: hidden tags or companies cost no query.
    queryset = selector(request.user, filters, columns=saved_views.shown)
    extra_filters = _extra_filters(request, list_key)
    for extra, value in extra_filters:
        if value:
            queryset = extra.apply(queryset, value)
    page = page_or_first(
        queryset,
        sort=sort,
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
        partitions=list_partitions(request.user, filters),
    )
    extra_columns = _fill_extra_columns(request.user, list_key, saved_views.shown, page.items)
    name_field = "full_name" if record_type == RecordType.PERSON else "name"
    context = {
        "page": page,
        "sort": sort,
        "sort_choices": [c for c in _sort_choices(name_field) if c[0] in sorts],
        **_filter_choices(request.user, record_type, filters),
        **saved_views.context(),
        "extra_filters": [
            (extra, value, list(extra.choices()) if extra.choices else None)
            for extra, value in extra_filters
        ],
        "extra_columns": extra_columns,
    }
    return render(request, template, context)


@login_required
@require_GET
def person_list(request):
    return _list_page(
        request,
        list_key="persons",
        selector=persons_list,
        sorts=PERSON_SORTS,
        record_type=RecordType.PERSON,
        template="customers/person_list.html",
    )


@login_required
@require_GET
def company_list(request):
    return _list_page(
        request,
        list_key="companies",
        selector=companies_list,
        sorts=COMPANY_SORTS,
        record_type=RecordType.COMPANY,
        template="customers/company_list.html",
    )


@login_required
@require_GET
def company_options(request):
    """`<option>`s for a company picker: the first visible matches of `company_search`."""
    q = request.GET.get("company_search", "").strip()
    companies = companies_list(request.user, CustomerFilters(q=q)).order_by("-updated_at")
    return render(
        request,
        "customers/_company_options.html",
        {"companies": companies[:COMPANY_OPTIONS_SHOWN], "q": q},
    )


# --- 360° pages ----------------------------------------------------------------------------------


def _custom_rows(record_type: str, values: dict) -> list[tuple]:
    return [
        (d.label, values.get(d.key))
        for d in custom_fields_for(record_type)
        if values.get(d.key) not in (None, "", [])
    ]


def _label_display(value: str) -> str:
    return ContactLabel(value).label if value in ContactLabel.values else value


def _raw_phones(person) -> list[dict]:
    """The numbers kept as imported, as the 360° page lists them (by position, for the links)."""
    return [
        {"index": i, "raw": entry.get("raw", ""), "label": _label_display(entry.get("label"))}
        for i, entry in enumerate(person.raw_phones or [])
    ]


@login_required
@require_GET
def person_detail_page(request, pk: int):
    person = found_or_404(person_detail, request.user, pk)
    return render(
        request,
        "customers/person_detail.html",
        {
            "person": person,
            "custom_rows": _custom_rows(RecordType.PERSON, person.custom),
            "raw_phones": _raw_phones(person),
        },
    )


@login_required
@require_GET
def person_vcard_download(request, pk: int):
    """The person as a vCard file (rapport.customers.vcard), for a phone or a mail program."""
    person = found_or_404(person_detail, request.user, pk)
    response = HttpResponse(person_vcard(person), content_type="text/vcard; charset=utf-8")
    filename = vcard_filename(person)
    response["Content-Disposition"] = (
        f"attachment; filename=\"person-{person.pk}.vcf\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def company_detail_page(request, pk: int):
    company = found_or_404(company_detail, request.user, pk)
    people = list(company_people(request.user, company)[: COMPANY_PEOPLE_SHOWN + 1])
    return render(
        request,
        "customers/company_detail.html",
        {
            "company": company,
            "people": people[:COMPANY_PEOPLE_SHOWN],
            "more_people": len(people) > COMPANY_PEOPLE_SHOWN,
            "custom_rows": _custom_rows(RecordType.COMPANY, company.custom),
        },
    )


# --- Create and edit -----------------------------------------------------------------------------


def _form_context(form, **extra) -> dict:
    return {"form": form, "label_choices": LABEL_CHOICES, **extra}


@login_required
def person_create(request):
    actor = request.user
    form = PersonForm(request.POST or None, actor=actor)
    duplicates = []
    if request.method == "POST":
        # The form warns of likely duplicates as the user types (htmx). Sent before any warning
        # was shown (no JavaScript, or a quick save), it is shown again with the warning once,
        # and the next save creates the person.
        if not request.POST.get("duplicates_checked") and form.is_valid():
            duplicates = likely_duplicates(actor, form.to_data())
        if not duplicates:
            person = save_form(
                form, lambda: services.person_create(actor=actor, data=form.to_data())
            )
            if person is not None:
                messages.success(request, _("Person created."))
                return redirect("customers:person_detail", pk=person.pk)
    return render(request, "customers/person_form.html", _form_context(form, duplicates=duplicates))


@login_required
def person_edit(request, pk: int):
    actor = request.user
    person = found_or_404(person_detail, actor, pk)
    form = PersonForm(request.POST or None, actor=actor, instance=person)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.person_update(
                actor=actor,
                person=person,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("customers:person_detail", pk=person.pk)
    return render(request, "customers/person_form.html", _form_context(form, person=person))


@login_required
def person_raw_phone(request, pk: int, index: int):
    """Fix a number kept as imported into a real phone, or (`remove`) drop it."""
    actor = request.user
    person = found_or_404(person_detail, actor, pk)
    entries = person.raw_phones or []
    if request.method == "POST":
        form = RawPhoneForm(request.POST)
        remove = bool(request.POST.get("remove"))
        saved = save_form(
            form,
            lambda: services.person_raw_phone_resolve(
                actor=actor,
                person=person,
                raw=form.cleaned_data["raw"],
                number=None if remove else form.cleaned_data["number"],
                label=form.cleaned_data["label"],
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Number removed.") if remove else _("Phone saved."))
            return redirect("customers:person_detail", pk=person.pk)
        raw = form.data.get("raw", "")
    else:
        if index >= len(entries):
            raise Http404
        entry = entries[index]
        raw = entry.get("raw", "")
        form = RawPhoneForm(
            initial={
                "number": raw,
                "label": entry.get("label") or ContactLabel.MOBILE,
                "raw": raw,
                "version": person.version,
            }
        )
    return render(
        request, "customers/person_raw_phone.html", {"form": form, "person": person, "raw": raw}
    )


@login_required
@require_POST
def person_delete(request, pk: int):
    person = found_or_404(person_detail, request.user, pk)
    try:
        services.person_delete(actor=request.user, person=person)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("customers:person_detail", pk=person.pk)
    messages.success(request, _("Person deleted."))
    return redirect("customers:person_list")


@login_required
def company_create(request):
    actor = request.user
    form = CompanyForm(request.POST or None, actor=actor)
    if request.method == "POST":
        company = save_form(form, lambda: services.company_create(actor=actor, data=form.to_data()))
        if company is not None:
            messages.success(request, _("Company created."))
            return redirect("customers:company_detail", pk=company.pk)
    return render(request, "customers/company_form.html", _form_context(form))


@login_required
def company_edit(request, pk: int):
    actor = request.user
    company = found_or_404(company_detail, actor, pk)
    form = CompanyForm(request.POST or None, actor=actor, instance=company)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.company_update(
                actor=actor,
                company=company,
                data=form.to_data(),
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("customers:company_detail", pk=company.pk)
    return render(request, "customers/company_form.html", _form_context(form, company=company))


@login_required
@require_POST
def company_delete(request, pk: int):
    company = found_or_404(company_detail, request.user, pk)
    try:
        services.company_delete(actor=request.user, company=company)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("customers:company_detail", pk=company.pk)
    messages.success(request, _("Company deleted."))
    return redirect("customers:company_list")


# --- Settings: tags and custom fields (administrators) -------------------------------------------


@login_required
def tag_list(request):
    allowed_or_403(require_settings_manager, request.user)
    form = TagForm(request.POST or None)
    if request.method == "POST":
        tag = save_form(form, lambda: services.tag_create(actor=request.user, data=form.to_data()))
        if tag is not None:
            messages.success(request, _("Tag created."))
            return redirect("customers:tag_list")
    return render(request, "customers/tag_list.html", {"form": form, "tags": tags_all()})


@login_required
def tag_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    tag = found_or_404(get_tag, pk)
    form = TagForm(request.POST or None, initial={"name": tag.name, "color": tag.color})
    if request.method == "POST":
        saved = save_form(
            form, lambda: services.tag_update(actor=request.user, tag=tag, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Tag saved."))
            return redirect("customers:tag_list")
    return render(request, "customers/tag_form.html", {"form": form, "tag": tag})


@login_required
@require_POST
def tag_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    tag = found_or_404(get_tag, pk)
    services.tag_delete(actor=request.user, tag=tag)
    messages.success(request, _("Tag deleted."))
    return redirect("customers:tag_list")


@login_required
@require_GET
def custom_field_list(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "customers/custom_field_list.html",
        {
            "person_fields": custom_fields_for(RecordType.PERSON, active_only=False),
            "company_fields": custom_fields_for(RecordType.COMPANY, active_only=False),
        },
    )


@login_required
def custom_field_create(request):
    allowed_or_403(require_settings_manager, request.user)
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST":
        saved = save_form(
            form, lambda: services.custom_field_create(actor=request.user, data=form.to_data())
        )
        if saved is not None:
            messages.success(request, _("Custom field created."))
            return redirect("customers:custom_field_list")
    return render(request, "customers/custom_field_form.html", {"form": form})


@login_required
def custom_field_edit(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    definition = found_or_404(get_custom_field, pk)
    form = CustomFieldForm(request.POST or None, instance=definition)
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: services.custom_field_update(
                actor=request.user, definition=definition, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Custom field saved."))
            return redirect("customers:custom_field_list")
    return render(
        request, "customers/custom_field_form.html", {"form": form, "definition": definition}
    )


@login_required
@require_POST
def custom_field_delete(request, pk: int):
    allowed_or_403(require_settings_manager, request.user)
    definition = found_or_404(get_custom_field, pk)
    services.custom_field_delete(actor=request.user, definition=definition)
    messages.success(request, _("Custom field deleted."))
    return redirect("customers:custom_field_list")
