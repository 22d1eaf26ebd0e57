"""E-mail out: templates, the outbox, consent, suppression, unsubscribe and tracking."""
