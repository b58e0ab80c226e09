"""The catalog as the assistant sees it: plain facts with prices and stock, no database handles."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CatalogItem", "CatalogSnapshot", "VariantInfo"]


@dataclass(frozen=True)
class VariantInfo:
    name: str  # the colourway as shoppers say it ("Forest", "Ochre Velvet"); "" for a lone variant
    price_minor: int
    stock: int


@dataclass(frozen=True)
class CatalogItem:
    id: str
    name: str
    category: str  # display name, "Furniture"
    description: str
    currency: str
    variants: tuple[VariantInfo, ...]

    @property
    def price_minor(self) -> int:
        """The lowest price among the variants: what "under 500" compares against."""
        return min((v.price_minor for v in self.variants), default=0)

    @property
    def stock(self) -> int:
        return sum(v.stock for v in self.variants)

    @property
    def colourways(self) -> tuple[str, ...]:
        """The named colourways, in variant order (a lone variant has no name)."""
        return tuple(v.name for v in self.variants if v.name)

    @property
    def text(self) -> str:
        """What the sentence embedding reads: name, category and description, with the colourways."""
        colours = ", ".join(self.colourways)
        parts = [f"{self.name}.", f"{self.category}.", self.description]
        if colours:
            parts.append(f"Colours: {colours}.")
        return " ".join(parts)

    def variant_index(self, colour: str) -> int | None:
        """The colourway whose name contains `colour` ("blue" matches "Sky Blue"), case-insensitive."""
        wanted = colour.casefold()
        for i, variant in enumerate(self.variants):
            if wanted and wanted in variant.name.casefold():
                return i
        return None


@dataclass(frozen=True)
class CatalogSnapshot:
    items: tuple[CatalogItem, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {item.id: item for item in self.items})

    def get(self, product_id: str) -> CatalogItem | None:
        by_id: dict[str, CatalogItem] = self.__dict__["_by_id"]
        return by_id.get(product_id)

    def pick(self, product_ids: Iterable[str]) -> list[CatalogItem]:
        """The items of these ids, in their order; ids no longer in the catalog are skipped."""
        return [item for pid in product_ids if (item := self.get(pid)) is not None]

    @property
    def version(self) -> str:
        """Changes whenever a text the embeddings read changes (prices and stock do not count)."""
        digest = hashlib.sha256()
        for item in self.items:
            digest.update(item.id.encode() + b"\0" + item.text.encode() + b"\0")
        return digest.hexdigest()[:16]
