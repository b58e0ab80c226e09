"""What the API answers with: pydantic models, separate from the tables they are read from."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from commerce_api.schema_base import RequestModel

__all__ = [
    "AccountRead",
    "CategoryFacet",
    "LoginRequest",
    "PriceBandFacet",
    "ProductPage",
    "ProductRead",
    "RefreshRequest",
    "RegisterRequest",
    "SearchFacets",
    "SearchHit",
    "SearchPage",
    "TokenPair",
    "VariantRead",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class VariantRead(_Out):
    id: int
    name: str
    sku: str
    price_minor: int
    currency: str
    stock: int
    position: int  # the colourway index the showroom and `variant_index` use
    thumbnail_url: str | None = None  # when the server renders thumbnails


class ProductRead(_Out):
    id: str
    name: str
    description: str
    category: str  # the category's slug, as the search filter takes it
    category_name: str
    model_ref: str
    variants: list[VariantRead]
    thumbnail_url: str | None = None  # the first variant's thumbnail


class ProductPage(_Out):
    items: list[ProductRead]
    total: int
    limit: int
    offset: int


class SearchHit(_Out):
    id: str
    name: str
    category: str
    price_minor: int  # the lowest price among the variants that matched the filters
    currency: str
    in_stock: bool
    score: float  # higher is more relevant; 0 when there was no text query


class CategoryFacet(_Out):
    id: str
    name: str
    count: int


class PriceBandFacet(_Out):
    min_price: int
    max_price: int | None  # exclusive; None for the open top band
    count: int


class SearchFacets(_Out):
    categories: list[CategoryFacet]
    price_bands: list[PriceBandFacet]


class SearchPage(_Out):
    items: list[SearchHit]
    total: int
    limit: int
    offset: int
    facets: SearchFacets


# Accounts. Requests are bounded (an email fits RFC 5321's 254 octets; a password no more than 1 KiB
# reaches the hasher) and refuse unknown fields.
MIN_PASSWORD = 10
MAX_EMAIL = 254
MAX_PASSWORD = 1024
MAX_TOKEN = 2048


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterRequest(_In):
    email: str = Field(min_length=3, max_length=MAX_EMAIL)
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class LoginRequest(_In):
    # No minimum here: a short password is a wrong one, answered like any other (401, not 422).
    email: str = Field(max_length=MAX_EMAIL)
    password: str = Field(max_length=MAX_PASSWORD)
    cart_token: str | None = Field(None, min_length=1, max_length=64, description="a guest cart to merge")


class RefreshRequest(_In):
    refresh_token: str = Field(min_length=1, max_length=MAX_TOKEN)


class AccountRead(_Out):
    id: int
    email: str
    is_staff: bool
    created_at: datetime


class TokenPair(_Out):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int  # seconds the access token lives
