"""A per-customer churn probability from the installation's own data, with the reasons in words and
a suggested next step.

A Django app inside the analytics package (label `analytics_churn`), so that it owns its
models and migrations."""
