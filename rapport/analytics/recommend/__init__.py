"""Products to offer: 'bought this also bought' from order co-occurrence, and per customer the next
products with the reason.

A Django app inside the analytics package (label `analytics_recommend`), so that it owns its
models and migrations."""
