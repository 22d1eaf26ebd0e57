"""The recommendations part of /api/v1 (collected by `rapport.analytics.api`)."""

from ninja import Router

routers: list[Router] = []
