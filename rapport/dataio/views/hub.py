"""The data page: where imports, duplicates, data health, exports and backups start."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def data_home(request):
    return render(request, "dataio/home.html")
