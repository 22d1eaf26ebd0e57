"""Reads of the support forms' settings pages (administrators only: the views check that)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.service.models import TicketWebForm


def ticket_forms_all() -> QuerySet[TicketWebForm]:
    return TicketWebForm.objects.select_related("team", "category")


def get_ticket_form(pk: int) -> TicketWebForm:
    form = ticket_forms_all().filter(pk=pk).first()
    if form is None:
        raise NotFound(_("Support form not found."))
    return form
