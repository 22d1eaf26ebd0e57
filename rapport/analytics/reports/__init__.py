"""The report builder (subject, dimensions, measures, filters; pivot and chart; saved, shared,
exported, e-mailed) and the ready answers.

A Django app inside the analytics package (label `analytics_reports`), so that it owns its
models and migrations."""
