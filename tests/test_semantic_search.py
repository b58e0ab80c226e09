"""Semantic product search with the real MiniLM model: relevance over the demo catalog and the shared
real models, the labelled query set's top-3 hit rate, filters, the blend with the shop's real
full-text search, catalog changes, and the embedding cache that spares a restart any encoding."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from assets.catalog import build_catalog
from assets.demo_catalog import demo_products
from avatar.brain.base_search import ProductFilter
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo
from avatar.brain.embeddings import Embedder, Vectors
from avatar.brain.semantic_search import SemanticSearch, document_text
from bench.assistant_quality import load_queries, misses, top3_hit_rate
from commerce_api.db import make_engine, migrate, session_factory
from commerce_api.seed import seed_catalog
from holoshop.assistant_catalog import commerce_text_search, snapshot_from_products
from holoshop.commerce_seed import seed_products

SHARED_MODELS = Path(__file__).parents[1].parent / "shared/data/models"


class CountingEmbedder(Embedder):
    """The real model, counting the texts it actually runs (cache hits never reach `_run`)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        super().__init__(cache_dir)
        self.encoded: list[str] = []

    def _run(self, texts: list[str], batch_size: int) -> Vectors:
        self.encoded.extend(texts)
        return super()._run(texts, batch_size)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture(scope="module")
def embedder(cache_dir: Path) -> CountingEmbedder:
    return CountingEmbedder(cache_dir)


@pytest.fixture(scope="module")
def demo() -> CatalogSnapshot:
    # The lamp sold out in one colourway; the mug in every one.
    snapshot = snapshot_from_products(demo_products())
    items = []
    for item in snapshot.items:
        if item.id == "luma-floor-lamp":
            item = _with_variants(
                item, (VariantInfo("Brass", 28_900, 0), VariantInfo("Matte Black", 28_900, 4))
            )
        elif item.id == "kaffe-stoneware-mug":
            item = _with_variants(item, (VariantInfo("", 1_800, 0),))
        items.append(item)
    return CatalogSnapshot(tuple(items))


def _with_variants(item: CatalogItem, variants: tuple[VariantInfo, ...]) -> CatalogItem:
    return CatalogItem(item.id, item.name, item.category, item.description, item.currency, variants)


@pytest.fixture(scope="module")
def search(demo: CatalogSnapshot, embedder: CountingEmbedder) -> SemanticSearch:
    return SemanticSearch(demo, embedder)


@pytest.fixture(scope="module")
def shared() -> CatalogSnapshot:
    result = build_catalog(SHARED_MODELS, max_texture_size=64)
    assert not result.errors
    return snapshot_from_products(result.products)


def _top(search: SemanticSearch, query: str, k: int = 3, flt: ProductFilter | None = None) -> list[str]:
    return [hit.product_id for hit in search.search(query, flt or ProductFilter(), limit=k)]


@pytest.mark.parametrize(
    ("query", "wanted", "k"),
    [
        ("something to sit on", {"oslo-lounge-chair", "haven-three-seat-sofa"}, 3),
        ("where can I sit down and relax", {"oslo-lounge-chair", "haven-three-seat-sofa"}, 3),
        ("something to keep drinks cold", {"alpine-insulated-bottle"}, 1),
        ("music", {"aria-wireless-headphones", "bloc-portable-speaker"}, 3),
        ("I want to listen to songs", {"aria-wireless-headphones", "bloc-portable-speaker"}, 3),
        ("lighting for my living room", {"luma-floor-lamp"}, 1),
        ("a cup for coffee", {"kaffe-stoneware-mug"}, 1),
        ("trainers for jogging", {"stride-runner-sneaker"}, 1),
        ("where six people can have dinner", {"fjord-dining-table"}, 1),
        ("a vase", {"dune-ceramic-vase"}, 1),
    ],
)
def test_demo_catalog_relevance(search: SemanticSearch, query: str, wanted: set[str], k: int) -> None:
    assert wanted <= set(_top(search, query, k)), _top(search, query, 5)


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("velvet sofa", "glam-velvet-sofa"),
        ("candle holder", "glass-hurricane-candle-holder"),
        ("sunglasses", "sunglasses-khronos"),
        ("a toy car for a child", "toy-car"),
        ("a vase with flowers", "glass-vase-with-flowers"),
    ],
)
def test_shared_models_relevance(
    shared: CatalogSnapshot, embedder: CountingEmbedder, query: str, wanted: str
) -> None:
    assert wanted in _top(SemanticSearch(shared, embedder), query)


def test_camel_case_names_read_as_words(shared: CatalogSnapshot) -> None:
    sofa = shared.get("glam-velvet-sofa")
    assert sofa is not None
    text = document_text(sofa)
    assert text.startswith("Glam Velvet Sofa.") and ".glb" not in text


@pytest.mark.parametrize("section", ["demo", "shared_models"])
def test_labelled_queries_reach_90_percent_top3(
    section: str, demo: CatalogSnapshot, shared: CatalogSnapshot, embedder: CountingEmbedder
) -> None:
    queries = load_queries(section)
    assert len(queries) >= (40 if section == "demo" else 10)
    search = SemanticSearch(demo if section == "demo" else shared, embedder)
    assert top3_hit_rate(search, queries) >= 0.9, misses(search, queries)


def test_filters_apply_per_colourway(search: SemanticSearch) -> None:
    assert set(_top(search, "something to sit on", 5, ProductFilter(categories=("furniture",)))) <= {
        "oslo-lounge-chair",
        "haven-three-seat-sofa",
        "fjord-dining-table",
    }
    cheap = search.search("something for the home", ProductFilter(max_price_minor=10_000), limit=10)
    assert cheap and all((i := search.catalog.get(h.product_id)) and i.price_minor <= 10_000 for h in cheap)
    assert _top(search, "seat", 5, ProductFilter(colours=("forest",))) == ["oslo-lounge-chair"]
    # The lamp's Brass is sold out, its Matte Black is not: a colour and stock must hold together.
    lamp = ProductFilter(colours=("brass",), in_stock_only=True)
    assert "luma-floor-lamp" not in _top(search, "lamp", 5, lamp)
    assert _top(search, "lamp", 1, ProductFilter(colours=("black",), in_stock_only=True)) == [
        "luma-floor-lamp"
    ]
    assert "kaffe-stoneware-mug" not in _top(search, "coffee mug", 10, ProductFilter(in_stock_only=True))
    excluded = ProductFilter(exclude=frozenset({"alpine-insulated-bottle"}))
    assert "alpine-insulated-bottle" not in _top(search, "bottle", 10, excluded)


def test_no_words_with_a_filter_lists_what_is_available_then_cheapest(search: SemanticSearch) -> None:
    kitchen = _top(search, "", 5, ProductFilter(categories=("Kitchen",)))
    assert kitchen == ["alpine-insulated-bottle", "kaffe-stoneware-mug"]  # the mug is sold out
    assert _top(search, "   ", 3) == _top(search, "", 3)


def test_nonsense_finds_nothing_unless_a_filter_says_what_is_wanted(search: SemanticSearch) -> None:
    assert search.search("zxqv wplk", limit=5) == []
    assert _top(search, "zxqv wplk", 5, ProductFilter(categories=("Audio",))) != []
    assert search.search("x" * 10_000, limit=3) is not None  # bounded, never an error


def test_similar_excludes_the_product_and_applies_the_filter(search: SemanticSearch) -> None:
    hits = search.similar("haven-three-seat-sofa", limit=3)
    ids = [h.product_id for h in hits]
    assert "haven-three-seat-sofa" not in ids and "oslo-lounge-chair" in ids
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    audio = search.similar("aria-wireless-headphones", ProductFilter(categories=("Audio",)), limit=5)
    assert [h.product_id for h in audio] == ["bloc-portable-speaker"]
    assert search.similar("no-such-product") == []


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    seed_catalog(sessions, seed_products(demo_products()))
    yield sessions
    engine.dispose()


def test_the_shops_full_text_search_lifts_exact_words(
    demo: CatalogSnapshot, embedder: CountingEmbedder, shop: sessionmaker[Session]
) -> None:
    text_search = commerce_text_search(shop)
    assert [pid for pid, _ in text_search("walnut", 5)] == ["haven-three-seat-sofa"]
    assert text_search("!!!", 5) == []  # no words: nothing, not an error
    alone = SemanticSearch(demo, embedder, alpha=1.0)
    blended = SemanticSearch(demo, embedder, text_search)
    score = {h.product_id: h.score for h in alone.search("walnut", limit=10)}
    lifted = {h.product_id: h.score for h in blended.search("walnut", limit=10)}
    assert blended.search("walnut", limit=1)[0].product_id == "haven-three-seat-sofa"
    others = [pid for pid in lifted if pid != "haven-three-seat-sofa"]
    gap_alone = score.get("haven-three-seat-sofa", 0.0) - max(
        (score.get(p, 0.0) for p in others), default=0.0
    )
    gap_blended = lifted["haven-three-seat-sofa"] - max((lifted[p] for p in others), default=0.0)
    assert gap_blended > gap_alone


def test_a_failing_full_text_search_leaves_meaning_alone(
    demo: CatalogSnapshot, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # never migrated: every query fails
    try:
        search = SemanticSearch(demo, embedder, commerce_text_search(session_factory(engine)))
        assert _top(search, "something to keep drinks cold", 1) == ["alpine-insulated-bottle"]
    finally:
        engine.dispose()


def _renamed(snapshot: CatalogSnapshot, items: Sequence[CatalogItem]) -> CatalogSnapshot:
    return CatalogSnapshot(tuple(snapshot.items) + tuple(items))


def test_set_catalog_embeds_only_changed_texts(demo: CatalogSnapshot, embedder: CountingEmbedder) -> None:
    search = SemanticSearch(demo, embedder)
    embedder.encoded.clear()
    cheaper = CatalogSnapshot(
        tuple(
            _with_variants(i, tuple(VariantInfo(v.name, v.price_minor // 2, v.stock) for v in i.variants))
            for i in demo.items
        )
    )
    search.set_catalog(cheaper)  # prices only: the same texts, nothing to embed
    assert embedder.encoded == [] and search.catalog is cheaper
    kite = CatalogItem(
        "sky-kite",
        "Sky Kite",
        "Toys",
        "A stunt kite that flies on a breezy beach.",
        "EUR",
        (VariantInfo("Red", 4_900, 3),),
    )
    search.set_catalog(_renamed(cheaper, [kite]))
    assert embedder.encoded == [document_text(kite)]  # only the new product's text
    assert _top(search, "something to fly in the wind", 1) == ["sky-kite"]


def test_a_second_embedder_on_the_same_cache_encodes_no_catalog_text(
    shared: CatalogSnapshot, embedder: CountingEmbedder, cache_dir: Path
) -> None:
    SemanticSearch(shared, embedder)  # the shared catalog's texts are in the cache folder now
    restarted = CountingEmbedder(cache_dir)
    search = SemanticSearch(shared, restarted)
    assert restarted.encoded == []
    ids, vectors = search.item_vectors()
    assert ids == tuple(i.id for i in shared.items) and vectors.shape == (len(ids), 384)
    assert restarted.cached >= len(ids)
