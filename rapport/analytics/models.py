"""How each user arranges a dashboard (the order of its widgets and those hidden), and each
role's default arrangement that an administrator sets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role
from rapport.core.models import TimeStampedModel


class DashboardLayout(TimeStampedModel):
    """One user's arrangement of one dashboard (`user` set), or a role's default (`role` set).

    `order` lists widget keys in the order shown; a widget it does not name (one added to the
    dashboard later) comes after, in the dashboard's own order. `hidden` lists the keys not shown.
    Keys that no longer name a widget are ignored.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, blank=True)
    dashboard = models.CharField(_("dashboard"), max_length=40)
    order = models.JSONField(_("order"), default=list, blank=True)
    hidden = models.JSONField(_("hidden widgets"), default=list, blank=True)

    class Meta:
        verbose_name = _("dashboard layout")
        verbose_name_plural = _("dashboard layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dashboard"],
                condition=Q(user__isnull=False),
                name="dashboard_layout_user_unique",
            ),
            models.UniqueConstraint(
                fields=["role", "dashboard"],
                condition=Q(user__isnull=True),
                name="dashboard_layout_role_unique",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(role=""))
                | (Q(user__isnull=True) & ~Q(role="")),
                name="dashboard_layout_user_or_role",
            ),
        ]

    def __str__(self):
        return f"{self.dashboard} ({self.user_id or self.role})"
