"""Daily aggregates of orders, order lines and payments, kept up to date as records change, so that
dashboards and reports cost the same whatever the history.

A Django app inside the analytics package (label `analytics_facts`), so that it owns its
models and migrations."""
