"""Duplicate-detection jobs."""
