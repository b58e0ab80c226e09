"""Carts as the API shows them, and the bounded requests that change them."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commerce_api.schema_base import RequestModel

__all__ = [
    "CART_TOKEN_LENGTH",
    "CART_TOKEN_PATTERN",
    "MAX_CART_LINES",
    "MAX_LINE_QUANTITY",
    "MAX_PRODUCT_ID",
    "MAX_VARIANT_INDEX",
    "MAX_VARIANT_ID",
    "AddItemRequest",
    "CartItemRead",
    "CartRead",
    "SetQuantityRequest",
]

CART_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32): 32 random bytes in unpadded base64url
CART_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"
MAX_LINE_QUANTITY = 99  # per line: a cart is not a wholesale order, and totals stay small integers
MAX_CART_LINES = 100  # distinct variants in one cart, so a cart's JSON stays bounded
MAX_VARIANT_ID = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
MAX_PRODUCT_ID = 128  # the product table's slug length
MAX_VARIANT_INDEX = 1024


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CartItemRead(_Out):
    variant_id: int
    product_id: str
    product_name: str
    variant_name: str
    sku: str
    unit_price_minor: int
    currency: str
    quantity: int
    line_total_minor: int
    in_stock: int  # the variant's stock when the cart was last written: may be stale from the cache


class CartRead(_Out):
    token: str
    items: list[CartItemRead]
    count: int  # the sum of the quantities
    subtotal_minor: int
    currency: str | None  # the items' one currency; None while the cart is empty
    # The owning account, kept beside the cached cart so a cache hit can still check the Bearer; never
    # part of the API's answer (excluded from serialisation).
    account_id: int | None = Field(default=None, exclude=True)
    # The cart's updated_at in microseconds, strictly increasing per cart: a cache keeps the newest
    # write-through when two race. Not part of the API's answer either.
    version: int = Field(default=0, exclude=True)


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddItemRequest(_In):
    """A variant by its id, or by its product and its position (the showroom's glTF variant index)."""

    variant_id: int | None = Field(None, ge=1, le=MAX_VARIANT_ID)
    product_id: str | None = Field(None, min_length=1, max_length=MAX_PRODUCT_ID)
    variant_index: int = Field(0, ge=0, le=MAX_VARIANT_INDEX)
    quantity: int = Field(1, ge=1, le=MAX_LINE_QUANTITY)

    @model_validator(mode="after")
    def _one_way_to_name_the_variant(self) -> Self:
        if (self.variant_id is None) == (self.product_id is None):
            raise ValueError("give either variant_id or product_id (with variant_index), not both")
        if self.variant_id is not None and "variant_index" in self.model_fields_set:
            raise ValueError("variant_index goes with product_id, not with variant_id")
        return self


class SetQuantityRequest(_In):
    quantity: int = Field(ge=0, le=MAX_LINE_QUANTITY, description="0 removes the item")
