"""Product search by meaning: sentence embeddings of the catalog, blended with its full-text search.

Shoppers describe what they want ("something to keep drinks cold") more often than they name it,
so the cosine similarity between the query's embedding and each product's carries most of the
ranking. The catalog's own full-text search adds what embeddings blur: exact names and rare words
("Oslo", "walnut"). Its scores are normalised to the best hit of the answer and added with weight
`1 - alpha`, so an item matching every word moves up without drowning the meaning of the rest.

The catalog is embedded once per `CatalogSnapshot.version` (the Embedder caches by text, so a
restart with the same cache folder embeds nothing); a query costs one forward pass.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import numpy as np

from avatar.brain.base_search import Hit, ProductFilter, TextSearch
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo
from avatar.brain.embeddings import DIMENSIONS, Embedder, Vectors

__all__ = ["MAX_QUERY_CHARS", "SemanticSearch", "document_text", "matches"]

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500  # what a shopper says in one go; more is cut, never an error
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ANYTHING = ProductFilter()
_FILE = re.compile(r"\b[\w-]+\.(?:glb|gltf)\b", re.IGNORECASE)


def document_text(item: CatalogItem) -> str:
    """What the embedding reads for an item: its `text`, with CamelCase names split into words
    ("GlamVelvetSofa" reads as "Glam Velvet Sofa") and model file names dropped, since the
    tokenizer cuts glued words into meaningless pieces."""
    text = _FILE.sub("", item.text)
    return re.sub(r"\s+", " ", _CAMEL.sub(" ", text)).replace(" ,", ",").strip()


def _variant_ok(item: CatalogItem, variant: VariantInfo, flt: ProductFilter) -> bool:
    if flt.min_price_minor is not None and variant.price_minor < flt.min_price_minor:
        return False
    if flt.max_price_minor is not None and variant.price_minor > flt.max_price_minor:
        return False
    if flt.in_stock_only and variant.stock <= 0:
        return False
    if flt.colours:
        name = variant.name.casefold()
        return any(colour.casefold() in name for colour in flt.colours if colour)
    return True


def matches(item: CatalogItem, flt: ProductFilter) -> bool:
    """Whether `item` passes the filter: its category is one asked for, and one of its colourways
    meets every variant condition at once (a "red chair under 500" needs a red one under 500)."""
    if item.id in flt.exclude:
        return False
    if flt.categories and item.category.casefold() not in {c.casefold() for c in flt.categories}:
        return False
    return any(_variant_ok(item, v, flt) for v in item.variants)


def _narrows(flt: ProductFilter) -> bool:
    """Whether the filter asks for something (a category, colour or price), not just excludes."""
    return bool(
        flt.categories or flt.colours or flt.min_price_minor is not None or flt.max_price_minor is not None
    )


@dataclass(frozen=True)
class _Index:
    catalog: CatalogSnapshot
    version: str
    ids: tuple[str, ...]
    vectors: Vectors  # (n, 384) unit rows, in `ids` order
    rows: dict[str, int]


class SemanticSearch:
    """`ProductSearch` over a catalog snapshot. Thread-safe: an answer reads one index, swapped whole.

    `alpha`: the weight of meaning against full-text matches (1: embeddings alone).
    `min_similarity`: when no item is this similar to a query (and the full-text search found
    none), the query finds nothing rather than random products: MiniLM gives unrelated text about
    0.1 to 0.19, and the labelled queries' best answers 0.23 and up. Vague words within a
    category, colour or price filter still rank the items that pass it.
    `spread`: items further than this below the best one are left out (a clear "running shoes"
    answers the sneaker, not the sneaker and a bottle at 0.16), unless the full-text search found them.
    """

    def __init__(
        self,
        catalog: CatalogSnapshot,
        embedder: Embedder,
        text_search: TextSearch | None = None,
        *,
        alpha: float = 0.7,
        min_similarity: float = 0.2,
        spread: float = 0.3,
    ) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be within 0..1, not {alpha}")
        self._embedder = embedder
        self._text_search = text_search
        self._alpha = alpha
        self._min_similarity = min_similarity
        self._spread = spread
        self._lock = threading.Lock()
        self._index = self._build(catalog, None)

    @property
    def catalog(self) -> CatalogSnapshot:
        return self._index.catalog

    def set_catalog(self, catalog: CatalogSnapshot) -> None:
        """A new snapshot: prices and stock take effect at once, changed texts are embedded first."""
        with self._lock:
            self._index = self._build(catalog, self._index)

    def item_vectors(self) -> tuple[tuple[str, ...], Vectors]:
        """The catalog's ids and their unit embeddings (rows in id order): content similarity."""
        index = self._index
        return index.ids, index.vectors

    def search(self, query: str, flt: ProductFilter = _ANYTHING, *, limit: int = 5) -> list[Hit]:
        index = self._index
        query = " ".join(query[:MAX_QUERY_CHARS].split())
        allowed = [i for i, pid in enumerate(index.ids) if matches(index.catalog.items[i], flt)]
        if limit <= 0 or not allowed:
            return []
        if not query:
            return self._default_order(index, allowed, limit)
        q = self._embedder.encode([query], cache=False)[0]  # queries are not worth a disk write each
        cosine = index.vectors[allowed] @ q
        lexical = self._lexical(query, index)
        scored = [
            (index.ids[row], similarity, lexical.get(index.ids[row], 0.0))
            for row, similarity in zip(allowed, cosine.tolist(), strict=True)
        ]
        best = max(sim for _, sim, _ in scored)
        floor = best - self._spread if best >= self._min_similarity else float("inf")
        relevant = [s for s in scored if s[1] >= floor or s[2] > 0.0]
        if not relevant and _narrows(flt):
            relevant = scored  # vague words within a filter: the filter already says what is wanted
        hits = [Hit(pid, self._alpha * sim + (1.0 - self._alpha) * text) for pid, sim, text in relevant]
        hits.sort(key=lambda h: (-h.score, h.product_id))
        return hits[:limit]

    def similar(self, product_id: str, flt: ProductFilter = _ANYTHING, *, limit: int = 5) -> list[Hit]:
        index = self._index
        row = index.rows.get(product_id)
        if row is None or limit <= 0:
            return []
        scores = index.vectors @ index.vectors[row]
        hits = [
            Hit(pid, float(scores[i]))
            for i, pid in enumerate(index.ids)
            if i != row and matches(index.catalog.items[i], flt)
        ]
        hits.sort(key=lambda h: (-h.score, h.product_id))
        return hits[:limit]

    def _lexical(self, query: str, index: _Index) -> dict[str, float]:
        """Full-text scores scaled so the best hit is 1; a failing text search only costs its boost."""
        if self._text_search is None or self._alpha == 1.0:
            return {}
        try:
            found = self._text_search(query, len(index.ids))
        except Exception:  # the database may be away: meaning alone still answers
            log.warning("full-text search failed; ranking by meaning alone", exc_info=True)
            return {}
        best = max((score for _, score in found), default=0.0)
        if best <= 0.0:
            return {pid: 1.0 for pid, _ in found}
        return {pid: max(score, 0.0) / best for pid, score in found}

    @staticmethod
    def _default_order(index: _Index, allowed: list[int], limit: int) -> list[Hit]:
        """No words, only a filter: what can be bought first, then cheapest first."""
        items = sorted(
            (index.catalog.items[i] for i in allowed),
            key=lambda item: (item.stock <= 0, item.price_minor, item.name, item.id),
        )
        return [Hit(item.id, 1.0 / (rank + 1)) for rank, item in enumerate(items[:limit])]

    def _build(self, catalog: CatalogSnapshot, previous: _Index | None) -> _Index:
        version = catalog.version
        ids = tuple(item.id for item in catalog.items)
        if previous is not None and previous.version == version:
            vectors = previous.vectors  # same texts: only prices or stock moved
        elif catalog.items:
            vectors = self._embedder.encode([document_text(item) for item in catalog.items])
        else:
            vectors = np.zeros((0, DIMENSIONS), np.float32)
        return _Index(catalog, version, ids, vectors, {pid: i for i, pid in enumerate(ids)})
