"""Signed outbound webhooks: subscriptions per record event, deliveries with retries."""
