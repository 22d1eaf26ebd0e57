"""Sales: from a lead to cash. One module per part of the flow; import them all from here."""

from rapport.sales.models.catalog import PriceList, PriceListItem, Product
from rapport.sales.models.currency import ExchangeRate
from rapport.sales.models.deals import (
    Deal,
    DealLine,
    DealStageChange,
    DealStatus,
    LostReason,
    Pipeline,
    Priority,
    Stage,
    StageKind,
    StageStay,
)
from rapport.sales.models.leads import (
    AssignmentMethod,
    Lead,
    LeadAssignmentRule,
    LeadForm,
    LeadScoringRule,
    LeadStatus,
    ScoringRuleKind,
)
from rapport.sales.models.orders import (
    Instalment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    RefundReason,
)
from rapport.sales.models.quotas import Quota, QuotaPeriod

__all__ = [
    "AssignmentMethod",
    "Deal",
    "DealLine",
    "DealStageChange",
    "DealStatus",
    "ExchangeRate",
    "Instalment",
    "Lead",
    "LeadAssignmentRule",
    "LeadForm",
    "LeadScoringRule",
    "LeadStatus",
    "LostReason",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "Pipeline",
    "PriceList",
    "PriceListItem",
    "Priority",
    "Product",
    "Quota",
    "QuotaPeriod",
    "Refund",
    "RefundReason",
    "ScoringRuleKind",
    "Stage",
    "StageKind",
    "StageStay",
]
