"""Other systems: external ids, upserts, batches, idempotent requests, the change feed."""
