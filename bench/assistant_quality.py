"""Benchmark: how often the assistant's product search puts a right answer in its top three.

`bench/assistant_queries.json` holds shoppers' requests labelled with the products that answer
them, in two sections: "demo" (the built-in catalog) and "shared_models" (the built-in catalog
plus the real glTF models in ../shared/data/models). `top3_hit_rate` is what other benchmarks
import; run this file to print the rate per section (embeddings alone and blended with the shop's
full-text search over a scratch SQLite database), the misses, and the embedding throughput.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from avatar.brain.base_search import ProductSearch  # noqa: E402

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from assets.product import Product

__all__ = [
    "QUERIES",
    "Query",
    "hits_at",
    "load_queries",
    "misses",
    "section_catalogs",
    "seeded_shop",
    "top3_hit_rate",
    "top3_report",
]

QUERIES = Path(__file__).with_name("assistant_queries.json")
SHARED_MODELS = Path(__file__).resolve().parents[2] / "shared" / "data" / "models"


@dataclass(frozen=True)
class Query:
    query: str
    relevant: frozenset[str]


def load_queries(section: str = "demo", path: Path = QUERIES) -> list[Query]:
    """One section of the labelled set ("demo" or "shared_models")."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Query(q["query"], frozenset(q["relevant"])) for q in data[section]]


def hits_at(search: ProductSearch, query: Query, k: int = 3) -> list[str]:
    return [hit.product_id for hit in search.search(query.query, limit=k)]


def top3_hit_rate(search: ProductSearch, queries: Iterable[Query]) -> float:
    """The share of queries with at least one relevant product among the first three results."""
    return top3_report(search, queries)[0]


def misses(search: ProductSearch, queries: Iterable[Query]) -> list[tuple[Query, list[str]]]:
    """The queries without a relevant product in the top three, with what came instead."""
    return top3_report(search, queries)[1]


def top3_report(
    search: ProductSearch, queries: Iterable[Query]
) -> tuple[float, list[tuple[Query, list[str]]]]:
    """The top-3 hit rate and the misses, from one search per query."""
    asked = list(queries)
    if not asked:
        raise ValueError("no queries")
    missed = [(q, top) for q in asked if not q.relevant & set(top := hits_at(search, q))]
    return 1.0 - len(missed) / len(asked), missed


def section_catalogs(models: Path = SHARED_MODELS) -> dict[str, tuple[Product, ...]]:
    """The catalog each labelled section is asked of: the demo one, and the demo one with `models`."""
    from assets.catalog import build_catalog

    return {
        "demo": build_catalog(None).products,
        "shared_models": build_catalog(models, max_texture_size=64).products,
    }


@contextmanager
def seeded_shop(url: str, products: Sequence[Product]) -> Iterator[sessionmaker[Session]]:
    """A scratch shop database at `url` holding `products`: what the full-text search runs over."""
    from commerce_api.db import migrated_sessions
    from commerce_api.seed import seed_catalog
    from holoshop.commerce_seed import seed_products

    with migrated_sessions(url) as sessions:
        seed_catalog(sessions, seed_products(products))
        yield sessions


def _report(label: str, search: ProductSearch, queries: Sequence[Query]) -> None:
    rate, missed = top3_report(search, queries)
    print(f"  {label:34s} top-3 hit rate {rate:6.1%} over {len(queries)} queries")
    for q, top in missed:
        print(f"    miss: {q.query!r} -> {top} (wanted one of {sorted(q.relevant)})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=SHARED_MODELS, help="the shared real models")
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache folder (default: none)")
    parser.add_argument("--alpha", type=float, default=None, help="weight of meaning vs full text")
    args = parser.parse_args(argv)

    from avatar.brain.embeddings import Embedder
    from avatar.brain.semantic_search import SemanticSearch, document_text
    from holoshop.assistant_catalog import commerce_text_search, snapshot_from_products

    kwargs = {} if args.alpha is None else {"alpha": args.alpha}
    embedder = Embedder(args.cache)
    started = time.perf_counter()
    embedder.warm_up()
    print(f"model loaded in {time.perf_counter() - started:.1f} s")

    sections = section_catalogs(args.models)
    with tempfile.TemporaryDirectory() as folder:
        for section, products in sections.items():
            snapshot = snapshot_from_products(products)
            queries = load_queries(section)
            with seeded_shop(f"sqlite:///{Path(folder) / f'{section}.db'}", products) as sessions:
                print(f"{section}: {len(snapshot.items)} products")
                _report("embeddings alone", SemanticSearch(snapshot, embedder, alpha=1.0), queries)
                blended = SemanticSearch(snapshot, embedder, commerce_text_search(sessions), **kwargs)
                _report("blended with full-text search", blended, queries)

    texts = [document_text(item) for item in snapshot.items] * 8
    started = time.perf_counter()
    embedder.encode(texts, cache=False)
    catalog_rate = len(texts) / (time.perf_counter() - started)
    asked = [q.query for section in sections for q in load_queries(section)]
    started = time.perf_counter()
    for text in asked:
        embedder.encode([text], cache=False)
    per_query_ms = (time.perf_counter() - started) / len(asked) * 1000
    print(f"embedding: {catalog_rate:.0f} catalog texts/s batched, {per_query_ms:.1f} ms per single query")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
