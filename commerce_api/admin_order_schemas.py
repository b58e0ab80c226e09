"""What the staff order API answers: a page of orders, and one order with its audit trail."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from commerce_api.order_schemas import OrderRead, OrderStatus

__all__ = ["AdminOrderPage", "AdminOrderRead", "OrderEventRead"]


class OrderEventRead(BaseModel):
    """One status change; `from` is null for the order's creation at checkout."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_status: OrderStatus | None = Field(serialization_alias="from")
    to_status: OrderStatus = Field(serialization_alias="to")
    reason: str
    at: datetime


class AdminOrderRead(OrderRead):
    """An order as shoppers see it, plus who may see more: its account and every status change."""

    account_id: int | None
    updated_at: datetime
    events: list[OrderEventRead]


class AdminOrderPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[OrderRead]
    total: int = Field(description="orders matching the filter, across all pages")
    limit: int
    offset: int
