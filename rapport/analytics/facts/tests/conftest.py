"""The catalogue fixtures of the sales tests: tea and cup."""

from rapport.sales.tests.orders_fixtures import cup, tea  # noqa: F401 -- fixtures
