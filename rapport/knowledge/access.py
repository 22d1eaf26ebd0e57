"""Who may do what in the knowledge base.

Every signed-in staff user reads published articles, internal ones included; administrators and
service agents write them (and see drafts). The public (the help centre, the public search)
sees published public articles only: `selectors.articles_public` is the one place that says so.
"""

from django.utils.translation import gettext as _

from rapport.accounts.models import Role
from rapport.core.errors import PermissionDenied


def can_read_articles(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_manage_articles(user) -> bool:
    return can_read_articles(user) and (user.is_administrator or user.role == Role.SERVICE_AGENT)


def require_article_manager(user) -> None:
    if not can_manage_articles(user):
        raise PermissionDenied(
            _("Only administrators and service agents may change knowledge base articles.")
        )
