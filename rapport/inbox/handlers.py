"""Timeline wording of the inbox app; imported by `InboxConfig.ready()`."""

from django.utils.translation import gettext as _

from rapport.activities.timeline_kinds import register_title


def register() -> None:
    # The entry keeps the subject in `title` and the sender in `data`; worded when read.
    register_title(
        "inbox.received",
        lambda e: (
            _("E-mail from %(sender)s: %(subject)s")
            % {
                "sender": e.data.get("from_name") or e.data.get("from", ""),
                "subject": e.data.get("subject") or e.title,
            }
        ),
    )
