"""HTML pages for imports: the list, upload, mapping, dry run, the job's live progress, undo.

The steps follow the services in `services.imports.jobs`: the upload stores the file and
proposes a mapping; saving the mapping starts a dry run at once (nothing is written); the job
page shows the dry run's counts and starts the import; while a job runs, its status section is
polled by htmx every second and stops polling once the job is finished.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.access import assignable_owners
from rapport.core.errors import ApplicationError, ValidationFailed
from rapport.core.forms import ServiceErrorsMixin
from rapport.core.htmx import found_or_404, int_or_none, page_or_first
from rapport.customers.models import SourceChannel
from rapport.dataio.models import ImportJob, ImportMode, ImportStatus, ImportTarget
from rapport.dataio.selectors import imports as selectors
from rapport.dataio.services.imports import jobs as services
from rapport.dataio.services.imports import undo as undo_services
from rapport.dataio.services.imports.mapping import CUSTOM_PREFIX, import_fields

SAMPLE_VALUES_SHOWN = 3
# Statuses whose page polls for progress.
POLLED = (
    ImportStatus.QUEUED,
    ImportStatus.RUNNING,
    ImportStatus.DRY_RUNNING,
    ImportStatus.UNDOING,
)


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


# --- Forms ---------------------------------------------------------------------------------------


class UploadForm(ServiceErrorsMixin, forms.Form):
    """The file and what it holds; `import_upload` checks size and format."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        allow_empty_file=True,
        help_text=gettext_lazy("CSV (any encoding, e.g. GBK or UTF-8), Excel .xlsx or vCard .vcf."),
        widget=forms.ClearableFileInput(
            attrs={**_testid("file"), "accept": ".csv,.txt,.tsv,.xlsx,.xlsm,.vcf,.vcard"}
        ),
    )
    target = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=ImportTarget.choices,
        initial=ImportTarget.PERSONS,
        widget=forms.Select(attrs=_testid("target")),
    )


DEFAULT_FIELDS = ("owner", "tags", "source")
# The owner choice "by the assignment rules" (leads): "*" is in no user name (Django's
# validator takes letters, digits and @ . + - _ only).
BY_RULES = "*rules"


class MappingForm(ServiceErrorsMixin, forms.Form):
    """One select per column of the file (`map_<index>`), the defaults, mode and match key.

    Columns are numbered rather than named in the inputs: a header may hold any character.
    """

    error_aliases = {
        "defaults.owner": "owner",
        "defaults.tags": "tags",
        "defaults.source": "source",
        "defaults": "owner",
    }

    owner = forms.ChoiceField(
        label=gettext_lazy("Owner when the file gives none"),
        required=False,
        widget=forms.Select(attrs=_testid("owner")),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags to add to every record"),
        required=False,
        help_text=gettext_lazy("Separate tags with commas."),
        widget=forms.TextInput(attrs=_testid("tags")),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source channel when the file gives none"),
        required=False,
        widget=forms.Select(attrs=_testid("source")),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=ImportMode.choices,
        widget=forms.RadioSelect(attrs=_testid("mode")),
    )
    match_on = forms.ChoiceField(
        label=gettext_lazy("Match existing records on"),
        widget=forms.Select(attrs=_testid("match_on")),
    )
    start_rules = forms.BooleanField(
        label=gettext_lazy("Start automation rules for the imported records"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "Untick it for a file of customers you already know, so that rules such as a "
            "welcome e-mail do not run for every row. The change feed and webhooks receive "
            "the changes either way."
        ),
        widget=forms.CheckboxInput(attrs=_testid("start_rules")),
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as"),
        required=False,
        help_text=gettext_lazy("Optional: a name to apply this mapping to the next file."),
        widget=forms.TextInput(attrs=_testid("save_as")),
    )

    def __init__(self, *args, job: ImportJob, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.columns = list(job.columns)
        fields = import_fields(job.target)
        standard = [(f.key, str(f.label)) for f in fields if not f.key.startswith(CUSTOM_PREFIX)]
        custom = [(f.key, str(f.label)) for f in fields if f.key.startswith(CUSTOM_PREFIX)]
        choices: list = [("", _("— skip this column —")), (_("Fields"), standard)]
        if custom:
            choices.append((_("Custom fields"), custom))
        for index, column in enumerate(self.columns):
            self.fields[f"map_{index}"] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                widget=forms.Select(attrs=_testid(f"map_{index}")),
            )
        # Only the defaults the records have: leads have no tags, products none of the three.
        keys = {f.key for f in fields}
        for name in DEFAULT_FIELDS:
            if name not in keys:
                del self.fields[name]
        if "owner" in self.fields:
            owners = [("", _("— the importer —"))]
            if job.target == ImportTarget.LEADS:
                owners.append((BY_RULES, _("— by the assignment rules —")))
            self.fields["owner"].choices = owners + [
                (u.username, str(u)) for u in assignable_owners(actor)
            ]
        if "source" in self.fields:
            self.fields["source"].choices = [("", "—"), *SourceChannel.choices]
        self.fields["mode"].choices = services.mode_choices(job.target)
        self.fields["match_on"].choices = services.match_choices(job.target)

    @classmethod
    def initial_for(cls, job: ImportJob) -> dict:
        initial = {f"map_{i}": job.mapping.get(column, "") for i, column in enumerate(job.columns)}
        defaults = job.defaults or {}
        initial.update(
            owner=BY_RULES if defaults.get("assign_by_rules") else defaults.get("owner", ""),
            tags=", ".join(defaults.get("tags") or []),
            source=defaults.get("source", ""),
            start_rules=defaults.get("start_rules", True),
            mode=job.mode,
            match_on=job.match_on,
        )
        return initial

    def field_for_error(self, key: str) -> str | None:
        if key.startswith("mapping."):
            column = key.removeprefix("mapping.")
            if column in self.columns:
                return f"map_{self.columns.index(column)}"
            return None
        return super().field_for_error(key)

    def rows(self) -> list[dict]:
        """Each column with its sample values and its select, for the template."""
        sample = self.job.sample or []
        rows = []
        for index, column in enumerate(self.columns):
            values = [row[index] for row in sample if index < len(row) and str(row[index]).strip()]
            rows.append(
                {
                    "index": index,
                    "column": column,
                    "samples": values[:SAMPLE_VALUES_SHOWN],
                    "field": self[f"map_{index}"],
                }
            )
        return rows

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            column: data.get(f"map_{index}") or ""
            for index, column in enumerate(self.columns)
            if data.get(f"map_{index}")
        }

    def default_fields(self) -> list:
        return [self[name] for name in DEFAULT_FIELDS if name in self.fields]

    def defaults(self) -> dict:
        data = self.cleaned_data
        defaults = {name: data[name] for name in DEFAULT_FIELDS if name in self.fields}
        if defaults.get("owner") == BY_RULES:
            defaults["owner"] = ""
            defaults["assign_by_rules"] = True
        if not data.get("start_rules"):
            defaults["start_rules"] = False
        return defaults


# --- Helpers -------------------------------------------------------------------------------------


def _job_or_404(request, job_id: int) -> ImportJob:
    return found_or_404(selectors.get_import_for_user, request.user, job_id)


def _require_importer(user) -> None:
    if not services.can_import(user):
        raise DjangoPermissionDenied


def _time_left(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    return _("%(minutes)d min %(seconds)d s") % {"minutes": seconds // 60, "seconds": seconds % 60}


def _status_context(request, job: ImportJob) -> dict:
    progress = selectors.import_progress(job)
    dry_run = job.dry_run or {}
    rejected_file = services.rejected_path(job)
    warned_rows = []
    if job.warned_count and job.purged_at is None and job.status not in POLLED:
        warned_rows = services.warned_rows_shown(job)
    return {
        "job": job,
        "progress": progress,
        "time_left": _time_left(progress.seconds_left),
        "polling": job.status in POLLED,
        "dry_run": dry_run,
        "encoding": services.encoding_state(job) if dry_run.get("encoding") else None,
        "dry_run_rejected": [
            {
                "row": item.get("row"),
                "reasons": item.get("reasons") or [],
                "cells": list(zip(job.columns, item.get("values") or [], strict=False)),
            }
            for item in dry_run.get("rejected_rows") or []
        ],
        "dry_run_warned": [
            {
                "row": item.get("row"),
                "reasons": item.get("reasons") or [],
                "cells": [
                    (c, v) for c, v in zip(job.columns, item.get("values") or [], strict=False) if v
                ],
            }
            for item in dry_run.get("warned_rows") or []
        ],
        "is_running_dry": job.status == ImportStatus.DRY_RUNNING,
        "can_start": job.status in (ImportStatus.MAPPED, ImportStatus.DRY_RUN_DONE),
        "can_undo": undo_services.can_undo(job)
        and (job.actor_id == request.user.pk or request.user.is_administrator),
        "undo_deadline": undo_services.undo_deadline(job),
        "undo_report": undo_services.undo_report(job),
        "can_download_rejected": job.rejected_count > 0
        and job.purged_at is None
        and job.status not in POLLED
        and rejected_file.exists(),
        "warned_rows": warned_rows,
        "warned_unlisted": max(job.warned_count - len(warned_rows), 0),
        "is_finished_run": job.status
        in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNDONE, ImportStatus.UNDOING),
    }


def _mapping_page(request, job: ImportJob, form: MappingForm, *, error: str = "", status=200):
    return render(
        request,
        "dataio/imports/mapping.html",
        {
            "job": job,
            "form": form,
            "rows": form.rows(),
            "saved_mappings": selectors.saved_mappings_for(request.user, job.target),
            "error": error,
        },
        status=status,
    )


# --- Pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def import_list(request):
    page = page_or_first(
        selectors.imports_visible_to(request.user),
        sort="-created_at",
        cursor=request.GET.get("cursor"),
        size=settings.RAPPORT_PAGE_SIZE,
    )
    return render(
        request,
        "dataio/imports/list.html",
        {
            "page": page,
            "show_user": request.user.is_administrator,
            "can_import": services.can_import(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    _require_importer(request.user)
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_upload(
                    actor=request.user,
                    file=upload,
                    original_name=upload.name,
                    target=form.cleaned_data["target"],
                )
            except ValidationFailed as exc:
                form.apply_service_errors(exc.details or {"file": [exc.message]})
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("dataio:import_mapping", job.pk)
        status = 400
    else:
        form = UploadForm()
    return render(
        request,
        "dataio/imports/new.html",
        {"form": form, "max_bytes": settings.RAPPORT_IMPORT_MAX_BYTES},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request, job_id: int):
    job = _job_or_404(request, job_id)
    if job.status not in services.EDITABLE:
        return redirect("dataio:import_detail", job.pk)
    if request.method == "GET":
        form = MappingForm(initial=MappingForm.initial_for(job), job=job, actor=request.user)
        return _mapping_page(request, job, form)
    form = MappingForm(request.POST, job=job, actor=request.user)
    if form.is_valid():
        try:
            job = services.import_set_mapping(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                defaults=form.defaults(),
                mode=form.cleaned_data["mode"],
                match_on=form.cleaned_data["match_on"],
                save_as=form.cleaned_data["save_as"],
            )
            services.import_dry_run_start(actor=request.user, job=job)
        except ValidationFailed as exc:
            form.apply_service_errors(exc.details)
            if not exc.details:
                form.add_error(None, exc.message)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("dataio:import_detail", job.pk)
    return _mapping_page(request, job, form, status=400)


@login_required
@require_POST
def import_mapping_apply(request, job_id: int):
    """Fill the mapping from a saved one; the mapping page then shows it for checking."""
    job = _job_or_404(request, job_id)
    if job.status not in services.EDITABLE:
        return redirect("dataio:import_detail", job.pk)
    saved_id = int_or_none(request.POST.get("saved"))
    if saved_id is None:
        form = MappingForm(initial=MappingForm.initial_for(job), job=job, actor=request.user)
        error = _("Choose a saved mapping.")
        return _mapping_page(request, job, form, error=error, status=400)
    saved = found_or_404(selectors.get_saved_mapping_for_user, request.user, saved_id)
    try:
        services.import_apply_saved_mapping(actor=request.user, job=job, saved=saved)
    except ApplicationError as exc:
        form = MappingForm(initial=MappingForm.initial_for(job), job=job, actor=request.user)
        details = exc.details if isinstance(exc, ValidationFailed) else {}
        messages_ = [m for values in details.values() for m in values] or [exc.message]
        error = _("The saved mapping “%(name)s” does not fit this file: %(reasons)s") % {
            "name": saved.name,
            "reasons": " ".join(messages_),
        }
        return _mapping_page(request, job, form, error=error, status=400)
    messages.success(
        request,
        _("Applied the saved mapping “%(name)s”. Check it, then run the dry run.")
        % {"name": saved.name},
    )
    return redirect("dataio:import_mapping", job.pk)


@login_required
@require_GET
def import_detail(request, job_id: int):
    job = _job_or_404(request, job_id)
    if job.status == ImportStatus.UPLOADED:
        return redirect("dataio:import_mapping", job.pk)
    return render(request, "dataio/imports/detail.html", _status_context(request, job))


@login_required
@require_GET
def import_status(request, job_id: int):
    """The job's status section alone, which the page polls while the job runs."""
    job = _job_or_404(request, job_id)
    return render(request, "dataio/imports/_status.html", _status_context(request, job))


def _act(request, job_id: int, action, done_message: str):
    job = _job_or_404(request, job_id)
    try:
        action(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if done_message:
            messages.success(request, done_message)
    return redirect("dataio:import_detail", job.pk)


@login_required
@require_POST
def import_dry_run(request, job_id: int):
    return _act(request, job_id, services.import_dry_run_start, "")


@login_required
@require_POST
def import_encoding(request, job_id: int):
    """The encoding the user chose for the file; the dry run runs again with it."""
    job = _job_or_404(request, job_id)
    try:
        job = services.import_set_encoding(
            actor=request.user, job=job, encoding=request.POST.get("encoding", "")
        )
        if job.status == ImportStatus.MAPPED:
            services.import_dry_run_start(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, " ".join(_messages_of(exc)))
        return redirect("dataio:import_detail", job.pk)
    if job.status == ImportStatus.UPLOADED:
        messages.info(
            request,
            _("Read this way, the file has other column names: check the mapping again."),
        )
        return redirect("dataio:import_mapping", job.pk)
    return redirect("dataio:import_detail", job.pk)


def _messages_of(exc: ApplicationError) -> list[str]:
    details = exc.details if isinstance(exc, ValidationFailed) else {}
    return [m for values in details.values() for m in values] or [exc.message]


@login_required
@require_POST
def import_start(request, job_id: int):
    return _act(request, job_id, services.import_start, "")


@login_required
@require_POST
def import_undo(request, job_id: int):
    return _act(
        request,
        job_id,
        undo_services.import_undo,
        _("The import is being undone: its records are removed and its changes reverted."),
    )


def _rows_download(request, job_id: int, count_field: str, make_download, nothing: str):
    """A file of the import's rejected or warned rows, while the job has some and keeps them."""
    job = _job_or_404(request, job_id)
    if getattr(job, count_field) == 0 or job.purged_at is not None or job.status in POLLED:
        raise Http404(nothing)
    download = make_download(job)
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download.filename
    )
    return response


@login_required
@require_GET
def import_warnings_download(request, job_id: int):
    return _rows_download(
        request,
        job_id,
        "warned_count",
        services.warned_rows_download,
        _("This import has no rows imported with warnings to download."),
    )


@login_required
@require_GET
def import_rejected_download(request, job_id: int):
    return _rows_download(
        request,
        job_id,
        "rejected_count",
        services.rejected_rows_download,
        _("This import has no rejected rows to download."),
    )
