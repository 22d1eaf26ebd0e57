"""Per-customer value: revenue, profit net of sales expenses and cost to serve, RFM scores and
segments, value tiers, the 20/80/30 view.

A Django app inside the analytics package (label `analytics_value`), so that it owns its
models and migrations."""
