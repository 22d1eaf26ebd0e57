"""Writes of the automation app: rules (`rules.py`); runs are written by `engine.py`."""

from rapport.automation.services.rules import (
    DryRun,
    clean_rule,
    rule_create,
    rule_delete,
    rule_dry_run,
    rule_set_active,
    rule_update,
)

__all__ = [
    "DryRun",
    "clean_rule",
    "rule_create",
    "rule_delete",
    "rule_dry_run",
    "rule_set_active",
    "rule_update",
]
