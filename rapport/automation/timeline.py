"""How a rule's run reads on a record's timeline, in the reader's language."""

from django.utils.translation import gettext as _


def run_title(entry) -> str:
    data = entry.data or {}
    name = data.get("rule_name", "")
    status = data.get("status")
    if status == "failed":
        return _("Rule “%(name)s” failed: %(error)s") % {"name": name, "error": data.get("error")}
    if status == "stopped":
        return _("Rule “%(name)s” ran and stopped") % {"name": name}
    return _("Rule “%(name)s” ran") % {"name": name}
