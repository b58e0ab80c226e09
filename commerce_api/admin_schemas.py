"""What staff send to /api/admin: bounded, unknown fields refused, prices and stock never negative.

Kept apart from schemas.py so that the admin API can grow without touching the shopper-facing models.
Responses reuse `ProductRead` and `VariantRead`. Limits fit the columns: prices and stock are 32-bit
integers in the database, ids and names their column lengths.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from commerce_api.schema_base import RequestModel

__all__ = [
    "MAX_PRICE_MINOR",
    "MAX_STOCK",
    "ProductCreate",
    "ProductUpdate",
    "StockAdjust",
    "StockSet",
    "VariantCreate",
    "VariantUpdate",
]

MAX_PRICE_MINOR = 1_000_000_000  # 10 million in major units; inside a 32-bit column
MAX_STOCK = 1_000_000
MAX_VARIANTS = 64

Slug = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Sku = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
VariantName = Annotated[str, Field(min_length=1, max_length=120)]
CategoryName = Annotated[str, Field(min_length=1, max_length=120, description="created when new")]
Description = Annotated[str, Field(max_length=10_000)]
ModelRef = Annotated[str, Field(max_length=500, description="where the showroom finds the 3D model")]
Price = Annotated[int, Field(ge=0, le=MAX_PRICE_MINOR, description="minor units")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR")]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantCreate(_In):
    name: VariantName
    sku: Sku | None = Field(None, description="unique; default: PRODUCT-ID-variant-name")
    price_minor: Price
    currency: Currency
    stock: Stock = 0


class ProductCreate(_In):
    id: Slug
    name: Name
    description: Description = ""
    category: CategoryName
    model_ref: ModelRef = ""
    variants: list[VariantCreate] = Field(min_length=1, max_length=MAX_VARIANTS)


class ProductUpdate(_In):
    """Fields left out (or null) stay as they are."""

    name: Name | None = None
    description: Description | None = None
    category: CategoryName | None = None
    model_ref: ModelRef | None = None


class VariantUpdate(_In):
    """Fields left out (or null) stay as they are."""

    name: VariantName | None = None
    sku: Sku | None = None
    price_minor: Price | None = None
    currency: Currency | None = None
    stock: Stock | None = None


class StockSet(_In):
    stock: Stock


class StockAdjust(_In):
    """A relative change, applied atomically: a checkout reserving stock meanwhile is not overwritten."""

    delta: int = Field(ge=-MAX_STOCK, le=MAX_STOCK)
