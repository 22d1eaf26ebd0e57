"""The analytics part of /api/v1: every analytics app's routers, collected here so that
`rapport.api` imports one list."""

from rapport.analytics.churn.api import routers as churn_routers
from rapport.analytics.facts.api import routers as facts_routers
from rapport.analytics.kpis.api import routers as kpis_routers
from rapport.analytics.lifetime.api import routers as lifetime_routers
from rapport.analytics.recommend.api import routers as recommend_routers
from rapport.analytics.reports.api import routers as reports_routers
from rapport.analytics.value.api import routers as value_routers

routers = [
    *facts_routers,
    *value_routers,
    *lifetime_routers,
    *churn_routers,
    *recommend_routers,
    *reports_routers,
    *kpis_routers,
]
