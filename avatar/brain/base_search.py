"""What the assistant asks of product search and recommendations, whoever implements them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Hit", "ProductFilter", "ProductSearch", "Recommender", "TextSearch"]


@dataclass(frozen=True)
class Hit:
    product_id: str
    score: float  # higher is better; comparable only within one answer


@dataclass(frozen=True)
class ProductFilter:
    """Hard constraints from the shopper's words; an item failing one is never returned."""

    categories: tuple[str, ...] = ()  # display names as in CatalogItem.category; any of them
    colours: tuple[str, ...] = ()  # an item qualifies when one of its colourways contains one
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    in_stock_only: bool = False
    exclude: frozenset[str] = field(default_factory=frozenset)


class TextSearch(Protocol):
    """The catalog's own full-text search (commerce_api's): product ids with scores, best first."""

    def __call__(self, query: str, limit: int) -> Sequence[tuple[str, float]]: ...


class ProductSearch(Protocol):
    def search(self, query: str, flt: ProductFilter = ProductFilter(), *, limit: int = 5) -> list[Hit]:
        """Products for free text (may be empty text: then the filter alone ranks by popularity/price)."""
        ...

    def similar(self, product_id: str, flt: ProductFilter = ProductFilter(), *, limit: int = 5) -> list[Hit]:
        """Products like this one by content, the product itself excluded."""
        ...


class Recommender(Protocol):
    def related(
        self, product_ids: Sequence[str], *, limit: int = 5, exclude: Collection[str] = ()
    ) -> list[Hit]:
        """What goes with these products: learned from shoppers' behaviour, content-similar when cold."""
        ...
