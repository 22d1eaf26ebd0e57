"""The backups page: administrators see what `manage.py backup` and the daily job wrote."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.accounts.access import require_settings_manager
from rapport.core.htmx import allowed_or_403
from rapport.dataio.services.backups import backups_list


@login_required
@require_GET
def backup_list_page(request):
    allowed_or_403(require_settings_manager, request.user)
    return render(
        request,
        "dataio/backups/list.html",
        {
            "backups": backups_list(),
            "directory": settings.RAPPORT_BACKUP_DIR,
            "keep": settings.RAPPORT_BACKUP_KEEP,
            "hour": settings.RAPPORT_BACKUP_HOUR_UTC,
        },
    )
