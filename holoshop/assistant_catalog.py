"""The shop's data as the assistant's brain reads it: a catalog snapshot, full-text search, interactions.

The one place that knows both `commerce_api` (tables, search) and `avatar.brain` (plain facts):
the brain never holds a database session, and the shop never imports the brain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assets.product import Product as ShowroomProduct
from avatar.brain.base_search import TextSearch
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo
from avatar.brain.interactions import KINDS, Interaction, InteractionKind
from commerce_api import interactions
from commerce_api.models import Product
from commerce_api.search import SearchQuery, SearchQueryError, search

__all__ = ["catalog_snapshot", "commerce_text_search", "load_interactions", "snapshot_from_products"]

log = logging.getLogger(__name__)

MAX_EVENTS = 1_000_000  # what one training run reads at most (the newest are kept)


def catalog_snapshot(sessions: sessionmaker[Session]) -> CatalogSnapshot:
    """Every product with its variants, prices and stock, in a stable order (two queries)."""
    with sessions() as session:
        products = session.scalars(
            select(Product).options(selectinload(Product.variants)).order_by(Product.name, Product.id)
        )
        items = tuple(
            CatalogItem(
                id=p.id,
                name=p.name,
                category=p.category.name,
                description=p.description,
                currency=p.variants[0].currency if p.variants else "EUR",
                variants=tuple(VariantInfo(v.name, v.price_minor, v.stock) for v in p.variants),
            )
            for p in products
        )
    return CatalogSnapshot(items)


def snapshot_from_products(
    products: Iterable[ShowroomProduct], stock: Mapping[str, int] | int = 25
) -> CatalogSnapshot:
    """A snapshot of showroom products without a shop (tests, benchmarks): every colourway at the
    product's price with `stock` units (one number, or per product id)."""
    items: list[CatalogItem] = []
    for p in products:
        units = stock if isinstance(stock, int) else stock.get(p.id, 0)
        names = p.variants or ("",)
        variants = tuple(VariantInfo(name, p.price_minor, units) for name in names)
        items.append(CatalogItem(p.id, p.name, p.category, p.description, p.currency, variants))
    return CatalogSnapshot(tuple(items))


def commerce_text_search(sessions: sessionmaker[Session]) -> TextSearch:
    """The catalog's full-text search as the brain calls it: ids and scores, best first.

    Text the search refuses (no words, too many) finds nothing rather than raising.
    """

    def text_search(query: str, limit: int) -> Sequence[tuple[str, float]]:
        try:
            with sessions() as session:
                page = search(session, SearchQuery(q=query, limit=max(1, min(limit, 100))))
        except SearchQueryError:
            return []
        return [(hit.id, hit.score) for hit in page.items]

    return text_search


def load_interactions(
    sessions: sessionmaker[Session], since: datetime | None = None, *, limit: int = MAX_EVENTS
) -> list[Interaction]:
    """The events logged since `since` (all without), oldest first; unknown kinds are skipped."""
    known = set(KINDS)
    with sessions() as session:
        rows = interactions.events(session, since=since, limit=limit)
    out: list[Interaction] = []
    for row in rows:
        if row.kind in known:
            kind = cast(InteractionKind, row.kind)
            out.append(Interaction(row.subject, row.product_id, kind, row.created_at))
        else:
            log.debug("skipping an interaction of unknown kind %r", row.kind)
    return out
