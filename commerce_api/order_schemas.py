"""Checkout requests and the orders the API answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from commerce_api.schema_base import RequestModel

__all__ = [
    "Address",
    "CheckoutRequest",
    "OrderLineRead",
    "OrderRead",
    "OrderStatus",
    "OrderSummary",
    "PaymentRead",
    "RefundRequest",
    "ShippingOptionRead",
    "SummaryLine",
]

OrderStatus = Literal["pending_payment", "paid", "fulfilled", "cancelled", "refunded"]


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class Address(_In):
    name: str = Field(min_length=1, max_length=120)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=120)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")


class CheckoutRequest(_In):
    cart_token: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: Address
    shipping_option: str = Field("standard", max_length=32)
    payment_method: str | None = Field(
        None, max_length=100, description="a provider's payment method id, e.g. Stripe's pm_card_visa"
    )


class ShippingOptionRead(_Out):
    id: str
    name: str
    price_minor: int
    currency: str
    days: str
    free_from_minor: int | None


class SummaryLine(_Out):
    variant_id: int
    sku: str
    name: str
    unit_price_minor: int
    quantity: int
    line_total_minor: int


class OrderSummary(_Out):
    """What the order will cost, computed by the server; nothing is reserved yet."""

    lines: list[SummaryLine]
    subtotal_minor: int
    shipping_minor: int
    tax_minor: int
    tax_rate_bp: int
    total_minor: int
    currency: str


class OrderLineRead(_Out):
    variant_id: int | None
    sku: str
    name: str
    unit_price_minor: int
    quantity: int
    line_total_minor: int


class PaymentRead(_Out):
    provider: str
    status: str
    amount_minor: int
    currency: str
    client_secret: str | None = None


class OrderRead(_Out):
    id: str
    status: OrderStatus
    email: str
    lines: list[OrderLineRead]
    subtotal_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    currency: str
    shipping_option: str
    address: dict[str, str | None]
    reserved_until: datetime | None
    created_at: datetime
    payment: PaymentRead | None


class RefundRequest(_In):
    reason: str = Field("requested by customer", max_length=200)
    restock: bool = Field(False, description="put the refunded units back on sale")
