from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base of every Rapport table: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PrefixSearchField(models.CharField):
    """A CharField compared byte-wise, so `term >= q AND term < q'` is a prefix scan.

    PostgreSQL databases often use a linguistic collation in which punctuation is ignored and a
    range over a prefix can miss rows; the "C" collation orders by code point like SQLite does.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
