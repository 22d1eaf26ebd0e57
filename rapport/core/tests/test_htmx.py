"""View helpers: a service's refusal becomes Django's 404 or 403 page."""

import pytest
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404

from rapport.core import errors
from rapport.core.htmx import allowed_or_403, found_or_404


def _refuse(kind):
    raise kind("No.")


def test_an_access_check_that_refuses_shows_the_403_page():
    with pytest.raises(Forbidden):
        allowed_or_403(_refuse, errors.PermissionDenied)


def test_an_access_check_that_passes_returns_its_answer():
    assert allowed_or_403(lambda user: f"{user} may", "alice") == "alice may"


def test_a_record_not_found_shows_the_404_page():
    with pytest.raises(Http404):
        found_or_404(_refuse, errors.NotFound)
