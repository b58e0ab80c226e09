"""Full-text product search with filters, relevance ranking, facets and pagination.

The user's text never reaches a query parser: it is cut into words (letters and digits, any
script) and each word goes in as a bound parameter, quoted for FTS5 and through
`plainto_tsquery` on PostgreSQL, so `"`, `*`, `OR` or SQL fragments are plain words. All words
must match. PostgreSQL ranks with `ts_rank` over the weighted tsvector column, SQLite with FTS5's
`bm25` (negated, so higher is better on both).

Filters apply per variant: a product matches when one of its variants is in the price range (and
in stock, if asked); its hit shows the lowest such price. Facets count the whole filtered result,
each product once, so the category counts and the price-band counts each add up to `total`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from commerce_api.models import Category, Product, Variant
from commerce_api.schemas import CategoryFacet, PriceBandFacet, SearchFacets, SearchHit, SearchPage

__all__ = ["PRICE_BANDS", "MAX_TERMS", "SearchQuery", "SearchQueryError", "search", "terms"]

# Band edges in minor units: [0, 50.00), [50.00, 100.00), ... [1000.00, open).
PRICE_BANDS = (0, 5_000, 10_000, 25_000, 50_000, 100_000)
MAX_TERMS = 16
_WORD = re.compile(r"[^\W_]+")  # letters and digits in any script; punctuation separates words

_fts = table("product_search", column("product_id"))


class SearchQueryError(ValueError):
    """A query that cannot be searched as given; the API answers 422 with this message."""


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    limit: int = 20
    offset: int = 0


def terms(text: str) -> list[str]:
    """The words of a user's query, lower-cased, duplicates dropped."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    if not words:
        raise SearchQueryError("the query has no words to search for")
    if len(words) > MAX_TERMS:
        raise SearchQueryError(f"the query has more than {MAX_TERMS} words")
    return words


def _matching(session: Session, query: SearchQuery) -> Select[tuple[str, str, int, str, bool, float]]:
    """One row per matching product: id, category, lowest price, currency, in stock, score."""
    variants = select(
        Variant.product_id,
        func.min(Variant.price_minor).label("price_minor"),
        func.min(Variant.currency).label("currency"),
        func.max(Variant.stock).label("stock"),
    ).group_by(Variant.product_id)
    if query.min_price is not None:
        variants = variants.where(Variant.price_minor >= query.min_price)
    if query.max_price is not None:
        variants = variants.where(Variant.price_minor <= query.max_price)
    if query.in_stock:
        variants = variants.where(Variant.stock > 0)
    v = variants.subquery("v")

    score: ColumnElement[float] = literal_column("0.0")
    conditions: list[ColumnElement[bool]] = []
    fts_join = False
    if query.q is not None:
        words = terms(query.q)
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            vector: ColumnElement[object] = literal_column("product.search_vector")
            tsquery = func.plainto_tsquery(literal_column("'english'::regconfig"), " ".join(words))
            conditions.append(vector.op("@@")(tsquery))
            score = func.ts_rank(vector, tsquery)
        elif dialect == "sqlite":
            fts_query = " ".join('"' + w + '"' for w in words)  # words hold no quotes: see _WORD
            conditions.append(literal_column("product_search").op("MATCH")(fts_query))
            # Column weights: product_id (unindexed), name, description, category.
            score = -func.bm25(literal_column("product_search"), 0.0, 10.0, 2.0, 4.0)
            fts_join = True
        else:
            raise SearchQueryError(f"full-text search is not available on {dialect}")
    if query.category is not None:
        conditions.append(Product.category_id == query.category)

    matching = (
        select(
            Product.id,
            Product.category_id,
            v.c.price_minor,
            v.c.currency,
            (v.c.stock > 0).label("in_stock"),
            score.label("score"),
        )
        .select_from(Product)
        .join(v, v.c.product_id == Product.id)
        .where(*conditions)
    )
    if fts_join:
        matching = matching.join(_fts, _fts.c.product_id == Product.id)
    return matching


def _band(price: ColumnElement[int]) -> ColumnElement[int]:
    return case(*((price >= edge, index) for index, edge in reversed(list(enumerate(PRICE_BANDS)))), else_=0)


def search(session: Session, query: SearchQuery) -> SearchPage:
    """A page of hits, most relevant first (then by name), with the total and facets."""
    matching = _matching(session, query).subquery("m")
    rows = session.execute(
        select(matching, Product.name)
        .join(Product, Product.id == matching.c.id)
        .order_by(matching.c.score.desc(), Product.name, Product.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    items = [
        SearchHit(
            id=r.id,
            name=r.name,
            category=r.category_id,
            price_minor=r.price_minor,
            currency=r.currency,
            in_stock=bool(r.in_stock),
            score=float(r.score),
        )
        for r in rows
    ]
    categories = [
        CategoryFacet(id=cid, name=name, count=count)
        for cid, name, count in session.execute(
            select(matching.c.category_id, Category.name, func.count())
            .join(Category, Category.id == matching.c.category_id)
            .group_by(matching.c.category_id, Category.name)
            .order_by(func.count().desc(), Category.name)
        )
    ]
    total = sum(c.count for c in categories)  # every product has exactly one category
    band = _band(matching.c.price_minor).label("band")
    band_counts: dict[int, int] = {
        b: n for b, n in session.execute(select(band, func.count()).group_by(literal_column("band")))
    }
    bands = [
        PriceBandFacet(
            min_price=edge,
            max_price=PRICE_BANDS[i + 1] if i + 1 < len(PRICE_BANDS) else None,
            count=band_counts.get(i, 0),
        )
        for i, edge in enumerate(PRICE_BANDS)
    ]
    return SearchPage(
        items=items,
        total=total,
        limit=query.limit,
        offset=query.offset,
        facets=SearchFacets(categories=categories, price_bands=bands),
    )
