"""Key figures with their definitions, and the cohort table by first-order month.

A Django app inside the analytics package (label `analytics_kpis`), so that it owns its
models and migrations."""
