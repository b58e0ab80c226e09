"""The torch-trained recommender with the real MiniLM content vectors: cold start is content
similarity, purchases together move products together, weights and recency count, a saved model
loads back the same, and a seed makes training repeatable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import torch

from assets.demo_catalog import demo_products
from avatar.brain.base_search import Hit
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo
from avatar.brain.embeddings import Embedder
from avatar.brain.interactions import Interaction, InteractionKind
from avatar.brain.recommender import BlendedRecommender, RecommenderModel, co_occurrence, train
from avatar.brain.semantic_search import SemanticSearch
from holoshop.assistant_catalog import snapshot_from_products

LAMP, SOFA, CHAIR, MUG, BOTTLE = (
    "luma-floor-lamp",
    "haven-three-seat-sofa",
    "oslo-lounge-chair",
    "kaffe-stoneware-mug",
    "alpine-insulated-bottle",
)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
EPOCHS = 60


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return Embedder(tmp_path_factory.mktemp("embeddings"))


@pytest.fixture(scope="module")
def catalog() -> CatalogSnapshot:
    return snapshot_from_products(demo_products())


@pytest.fixture(scope="module")
def search(catalog: CatalogSnapshot, embedder: Embedder) -> SemanticSearch:
    return SemanticSearch(catalog, embedder)


def _bought_together(
    n: int, *products: str, kind: InteractionKind = "order", days_ago: float = 1
) -> list[Interaction]:
    at = NOW - timedelta(days=days_ago)
    return [Interaction(f"order:{k}-{'+'.join(products)}", p, kind, at) for k in range(n) for p in products]


@pytest.fixture(scope="module")
def purchases() -> list[Interaction]:
    # Shoppers furnish a living room: the lamp goes with the sofa; mugs go with bottles.
    return _bought_together(30, LAMP, SOFA) + _bought_together(20, MUG, BOTTLE, kind="cart_add")


@pytest.fixture(scope="module")
def model(purchases: list[Interaction], catalog: CatalogSnapshot, embedder: Embedder) -> RecommenderModel:
    return train(purchases, catalog, embedder, epochs=EPOCHS, seed=7, now=NOW)


def _ids(hits: list[Hit]) -> list[str]:
    return [h.product_id for h in hits]


def test_cold_start_is_content_similarity(
    search: SemanticSearch, catalog: CatalogSnapshot, embedder: Embedder
) -> None:
    cold = BlendedRecommender(None, search)
    assert _ids(cold.related([LAMP], limit=9)) == _ids(search.similar(LAMP, limit=9))
    untrained = train([], catalog, embedder, epochs=EPOCHS, seed=7, now=NOW)  # no evidence at all
    assert float(untrained.evidence.sum()) == 0.0
    assert _ids(BlendedRecommender(untrained, search).related([LAMP], limit=9)) == _ids(
        search.similar(LAMP, limit=9)
    )


def test_purchases_together_move_the_sofa_up_for_the_lamp(
    search: SemanticSearch, model: RecommenderModel
) -> None:
    recommender = BlendedRecommender(None, search)
    before = recommender.related([LAMP], limit=9)
    recommender.set_model(model)
    after = recommender.related([LAMP], limit=9)
    assert _ids(after)[0] == SOFA
    assert _ids(after).index(SOFA) < _ids(before).index(SOFA)
    score = {h.product_id: h.score for h in before}
    assert next(h.score for h in after if h.product_id == SOFA) > score[SOFA]
    assert _ids(recommender.related([MUG], limit=1)) == [BOTTLE]
    assert (model.similarity(LAMP, SOFA) or 0.0) > (model.similarity(LAMP, MUG) or 0.0)


def test_a_product_without_evidence_stays_content_similar(
    search: SemanticSearch, model: RecommenderModel
) -> None:
    sneaker = "stride-runner-sneaker"
    row = model.row(sneaker)
    assert row is not None and float(model.evidence[row]) == 0.0
    blended = BlendedRecommender(model, search).related([sneaker], limit=9)
    assert _ids(blended) == _ids(search.similar(sneaker, limit=9))


def test_a_new_product_missing_from_the_model_is_recommended_by_content(
    catalog: CatalogSnapshot, embedder: Embedder, model: RecommenderModel
) -> None:
    stool = CatalogItem(
        "perch-bar-stool",
        "Perch Bar Stool",
        "Furniture",
        "A tall oak stool to sit on at a kitchen counter.",
        "EUR",
        (VariantInfo("", 15_900, 4),),
    )
    grown = SemanticSearch(CatalogSnapshot((*catalog.items, stool)), embedder)
    recommender = BlendedRecommender(model, grown)
    assert stool.id in _ids(recommender.related([CHAIR], limit=3))
    assert _ids(recommender.related([stool.id], limit=3))[0] in {CHAIR, "fjord-dining-table", SOFA}


def test_related_excludes_seeds_and_asked_ids_and_knows_popular(
    search: SemanticSearch, model: RecommenderModel
) -> None:
    recommender = BlendedRecommender(model, search)
    hits = _ids(recommender.related([LAMP, MUG], limit=10, exclude={SOFA}))
    assert not {LAMP, MUG, SOFA} & set(hits) and BOTTLE in hits[:2]
    assert recommender.related(["no-such-product"], limit=3)[0].product_id in {LAMP, SOFA}  # popular
    assert set(_ids(recommender.related([], limit=2))) == {LAMP, SOFA}
    assert recommender.related([LAMP], limit=0) == []
    cold = _ids(BlendedRecommender(None, search).related([], limit=3))
    assert cold == _ids(search.search("", limit=3))  # nothing learned: available, cheapest first


def test_orders_outweigh_views_and_old_events_fade(catalog: CatalogSnapshot) -> None:
    ids = [item.id for item in catalog.items]
    lamp, sofa, chair = ids.index(LAMP), ids.index(SOFA), ids.index(CHAIR)
    events = _bought_together(1, LAMP, SOFA) + _bought_together(1, LAMP, CHAIR, kind="view")
    pairs, subjects = co_occurrence(events, ids, now=NOW)
    assert subjects == 2 and pairs[(lamp, sofa)] == pairs[(sofa, lamp)] > pairs[(lamp, chair)] > 0
    recent = _bought_together(1, LAMP, SOFA, days_ago=0)
    old = _bought_together(1, LAMP, SOFA, days_ago=30)
    fresh_pairs, _ = co_occurrence(recent, ids, now=NOW, half_life_days=30)
    old_pairs, _ = co_occurrence(old, ids, now=NOW, half_life_days=30)
    assert old_pairs[(lamp, sofa)] == pytest.approx(fresh_pairs[(lamp, sofa)] / 2)
    lone = [
        Interaction("account:1", LAMP, "order", NOW),
        Interaction("account:2", "gone-product", "order", NOW),
    ]
    assert co_occurrence(lone, ids, now=NOW) == ({}, 0)


def test_save_and_load_round_trip(tmp_path: Path, model: RecommenderModel, search: SemanticSearch) -> None:
    path = tmp_path / "assistant" / "recommender.pt"
    model.save(path)
    loaded = RecommenderModel.load(path)
    assert loaded.ids == model.ids and loaded.meta == model.meta
    assert torch.equal(loaded.vectors, model.vectors) and torch.equal(loaded.evidence, model.evidence)
    assert BlendedRecommender(loaded, search).related([LAMP]) == BlendedRecommender(model, search).related(
        [LAMP]
    )
    assert [p.name for p in path.parent.iterdir()] == ["recommender.pt"]  # no temporary left behind
    other = tmp_path / "other.pt"
    torch.save({"format": 99, "ids": []}, other)
    with pytest.raises(ValueError, match="not a recommender model"):
        RecommenderModel.load(other)


def test_a_seed_makes_training_repeatable(
    purchases: list[Interaction], catalog: CatalogSnapshot, embedder: Embedder, model: RecommenderModel
) -> None:
    again = train(purchases, catalog, embedder, epochs=EPOCHS, seed=7, now=NOW)
    assert torch.equal(again.vectors, model.vectors) and again.meta == model.meta
    other = train(purchases, catalog, embedder, epochs=EPOCHS, seed=8, now=NOW)
    assert not torch.equal(other.vectors, model.vectors)
    losses: list[float] = []
    train(
        purchases,
        catalog,
        embedder,
        epochs=EPOCHS,
        seed=7,
        now=NOW,
        progress=lambda _, loss: losses.append(loss),
    )
    assert len(losses) == EPOCHS and losses[-1] < losses[0]  # it learns
