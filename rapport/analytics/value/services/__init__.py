"""Writes of the customer value app: sales expenses, the settings, and the computed values."""
