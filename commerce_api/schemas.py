"""What the API answers with: pydantic models, separate from the tables they are read from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CategoryFacet",
    "PriceBandFacet",
    "ProductPage",
    "ProductRead",
    "SearchFacets",
    "SearchHit",
    "SearchPage",
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


class ProductRead(_Out):
    id: str
    name: str
    description: str
    category: str  # the category's slug, as the search filter takes it
    category_name: str
    model_ref: str
    variants: list[VariantRead]


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
