"""The sales routers, mounted under /api/v1 by rapport.api.api."""

from rapport.sales.api import catalog, currency, deals, lead_settings, leads, orders

routers = [
    leads.router,
    lead_settings.router,
    deals.router,
    catalog.router,
    orders.router,
    currency.router,
]
