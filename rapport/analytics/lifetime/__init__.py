"""BG/NBD and Gamma-Gamma fitted on the installation's own orders: probability alive, expected
purchases and value per customer, and the holdout check.

A Django app inside the analytics package (label `analytics_lifetime`), so that it owns its
models and migrations."""
