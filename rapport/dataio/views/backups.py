"""The backups page: administrators see what `manage.py backup` and the daily job wrote."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.dataio.services.backups import backups_list
from rapport.web.htmx import require_settings_manager


@login_required
@require_GET
def backup_list_page(request):
    require_settings_manager(request.user)
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
