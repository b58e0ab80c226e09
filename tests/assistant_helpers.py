"""Small in-memory stand-ins for product search and recommendations, and the demo catalog as the
assistant sees it, for the assistant's language tests (the real semantic search is tested elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from assets.demo_catalog import demo_products
from avatar.brain.base_search import Hit, ProductFilter
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo

__all__ = ["OverlapRecommender", "TokenSearch", "demo_snapshot", "words"]

_ANY = ProductFilter()
_STOP = frozenset(
    ["a", "an", "and", "the", "of", "with", "on", "in", "for", "to", "that", "its", "it", "is", "by"]
)


def demo_snapshot(
    stock: Mapping[str, int | Sequence[int]] | None = None, default: int = 5
) -> CatalogSnapshot:
    """The demo products with every colourway at `default` stock, or as `stock` says per product id
    (one number for every colourway, or one per colourway)."""
    stock = stock or {}
    items = []
    for product in demo_products():
        names = product.variants or ("",)
        wanted = stock.get(product.id, default)
        counts = [wanted] * len(names) if isinstance(wanted, int) else list(wanted)
        variants = tuple(
            VariantInfo(name, product.price_minor, count) for name, count in zip(names, counts, strict=True)
        )
        items.append(
            CatalogItem(
                product.id, product.name, product.category, product.description, product.currency, variants
            )
        )
    return CatalogSnapshot(tuple(items))


def words(text: str) -> set[str]:
    """Lower-case word stems (a trailing s dropped) without stop words."""
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.casefold()) if w not in _STOP}


def _passes(item: CatalogItem, flt: ProductFilter) -> bool:
    if item.id in flt.exclude:
        return False
    if flt.categories and item.category not in flt.categories:
        return False
    if flt.colours and not any(c.casefold() in v.name.casefold() for c in flt.colours for v in item.variants):
        return False
    if flt.min_price_minor is not None and max(v.price_minor for v in item.variants) < flt.min_price_minor:
        return False
    if flt.max_price_minor is not None and item.price_minor > flt.max_price_minor:
        return False
    return not (flt.in_stock_only and item.stock <= 0)


class TokenSearch:
    """ProductSearch by word overlap with CatalogItem.text; an empty query ranks by price."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        self.catalog = catalog
        self.calls: list[tuple[str, ProductFilter]] = []

    def search(self, query: str, flt: ProductFilter = _ANY, *, limit: int = 5) -> list[Hit]:
        self.calls.append((query, flt))
        wanted = words(query)
        hits = []
        for item in self.catalog.items:
            if not _passes(item, flt):
                continue
            overlap = len(wanted & words(item.text))
            if wanted and not overlap and not flt.categories:  # within a category, words only rank
                continue
            hits.append(Hit(item.id, overlap - item.price_minor / 1e9))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]

    def similar(self, product_id: str, flt: ProductFilter = _ANY, *, limit: int = 5) -> list[Hit]:
        base = self.catalog.get(product_id)
        if base is None:
            return []
        own = words(base.text)
        hits = [
            Hit(item.id, len(own & words(item.text)) + (item.category == base.category))
            for item in self.catalog.items
            if item.id != product_id and _passes(item, flt)
        ]
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


class OverlapRecommender:
    """Recommender: other categories first ("goes with"), by shared words, then by price."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        self.catalog = catalog

    def related(
        self, product_ids: Sequence[str], *, limit: int = 5, exclude: Collection[str] = ()
    ) -> list[Hit]:
        bases = [item for pid in product_ids if (item := self.catalog.get(pid)) is not None]
        own = set().union(*(words(b.text) for b in bases)) if bases else set()
        categories = {b.category for b in bases}
        hits = [
            Hit(
                item.id,
                (item.category not in categories) * 10 + len(own & words(item.text)) - item.price_minor / 1e9,
            )
            for item in self.catalog.items
            if item.id not in product_ids and item.id not in exclude
        ]
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]
