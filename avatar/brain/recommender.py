"""What goes with what: item embeddings learned from shoppers' behaviour, content-similar when cold.

Training is item2vec: products one subject (a shopper, a cart, an order) touched are "context" for
each other, weighted by what the subject did (an order says more than a view, `KIND_WEIGHTS`) and
by how recent it was (halving every `half_life_days`). Skip-gram with negative sampling over those
weighted pairs gives each product a vector; products bought together end up close. The vectors
start from a fixed projection of the products' sentence embeddings, so a product nobody touched
yet sits where its description puts it.

`BlendedRecommender` mixes the learned similarity with the content similarity (the sentence
embeddings' cosine) per pair, by how much evidence both products have: a new product is
recommended by what it is, a best seller by what it is bought with.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from avatar.brain.base_search import Hit, ProductFilter
from avatar.brain.catalog import CatalogSnapshot
from avatar.brain.embeddings import Embedder
from avatar.brain.interactions import KIND_WEIGHTS, Interaction
from avatar.brain.semantic_search import SemanticSearch, document_text

__all__ = ["FORMAT", "BlendedRecommender", "RecommenderModel", "co_occurrence", "train"]

log = logging.getLogger(__name__)

FORMAT = 1  # of the saved file; a file of another format is refused, not misread
MAX_ITEMS_PER_SUBJECT = 50  # the most recent ones; bounds a subject's pairs (a crawler views all)

Progress = Callable[[int, float], None]  # (epoch, mean loss)


@dataclass
class RecommenderModel:
    """Learned item vectors (`vectors`, unit rows in `ids` order) and each item's `evidence` (the
    weighted co-occurrence mass it was trained on; 0: it learned nothing)."""

    ids: tuple[str, ...]
    vectors: torch.Tensor  # (n, d) float32, unit rows
    evidence: torch.Tensor  # (n,) float32
    meta: dict[str, str | int | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != n or self.evidence.shape != (n,):
            raise ValueError(
                f"{n} ids, vectors {tuple(self.vectors.shape)}, evidence {tuple(self.evidence.shape)}"
            )
        self._rows = {pid: i for i, pid in enumerate(self.ids)}

    def row(self, product_id: str) -> int | None:
        return self._rows.get(product_id)

    def similarity(self, a: str, b: str) -> float | None:
        """The learned cosine of two products; None when either is unknown to the model."""
        i, j = self.row(a), self.row(b)
        if i is None or j is None:
            return None
        return float(self.vectors[i] @ self.vectors[j])

    def save(self, path: Path) -> None:
        """Written to a temporary file and renamed: a reader never loads half a model."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        state = {
            "format": FORMAT,
            "ids": list(self.ids),
            "vectors": self.vectors.detach().contiguous(),
            "evidence": self.evidence.detach().contiguous(),
            "meta": dict(self.meta),
        }
        torch.save(state, tmp)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RecommenderModel:
        """Tensors, strings and numbers only (`weights_only`): a model file cannot run code."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"{path} is not a recommender model of format {FORMAT}")
        ids, vectors, evidence = state["ids"], state["vectors"], state["evidence"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError(f"{path}: ids are not a list of strings")
        if not isinstance(vectors, torch.Tensor) or not isinstance(evidence, torch.Tensor):
            raise ValueError(f"{path}: vectors or evidence are not tensors")
        meta = state.get("meta", {})
        return cls(
            tuple(ids), vectors.float(), evidence.float(), dict(meta) if isinstance(meta, dict) else {}
        )


def _decay(at: datetime, now: datetime, half_life_days: float) -> float:
    age_days = max((now - at).total_seconds(), 0.0) / 86_400
    return 0.5 ** (age_days / half_life_days) if half_life_days > 0 else 1.0


def co_occurrence(
    interactions: Iterable[Interaction],
    ids: Sequence[str],
    *,
    half_life_days: float = 30.0,
    now: datetime | None = None,
) -> tuple[dict[tuple[int, int], float], int]:
    """Weighted pairs (i, j), i != j, both directions, over `ids`' rows; and the subjects counted.

    A subject's weight for an item sums its events' kind weights, decayed by age; a pair weighs the
    geometric mean of its two items' weights, divided by the subject's item count less one, so a
    shopper who touched everything says little about any one pair.
    """
    when = now or datetime.now(UTC)
    rows = {pid: i for i, pid in enumerate(ids)}
    per_subject: dict[str, dict[int, tuple[float, datetime]]] = defaultdict(dict)
    for event in interactions:
        row = rows.get(event.product_id)
        if row is None:
            continue  # a product no longer in the catalog
        weight = KIND_WEIGHTS[event.kind] * _decay(event.at, when, half_life_days)
        before = per_subject[event.subject].get(row)
        total, last = (weight, event.at) if before is None else (before[0] + weight, max(before[1], event.at))
        per_subject[event.subject][row] = (total, last)
    pairs: dict[tuple[int, int], float] = defaultdict(float)
    subjects = 0
    for items in per_subject.values():
        if len(items) < 2:
            continue
        subjects += 1
        recent = sorted(items.items(), key=lambda kv: kv[1][1], reverse=True)[:MAX_ITEMS_PER_SUBJECT]
        share = 1.0 / (len(recent) - 1)
        for a, (wa, _) in recent:
            for b, (wb, _) in recent:
                if a != b:
                    pairs[(a, b)] += math.sqrt(wa * wb) * share
    return dict(pairs), subjects


def _content_start(vectors: np.ndarray, dim: int, generator: torch.Generator) -> torch.Tensor:
    """The sentence embeddings through a fixed random orthogonal projection to `dim`: similar
    descriptions start as similar vectors."""
    content = torch.from_numpy(np.ascontiguousarray(vectors, np.float32))
    gaussian = torch.randn(content.shape[1], dim, generator=generator)
    projection: torch.Tensor = torch.linalg.qr(gaussian).Q
    return torch.nn.functional.normalize(content @ projection, dim=1)


def train(
    interactions: Iterable[Interaction],
    catalog: CatalogSnapshot,
    embedder: Embedder,
    *,
    epochs: int = 200,
    seed: int = 0,
    dim: int = 32,
    negatives: int = 5,
    learning_rate: float = 0.05,
    half_life_days: float = 30.0,
    batch_size: int = 8192,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> RecommenderModel:
    """Item vectors for `catalog`'s products from `interactions`; the same inputs and seed give the
    same model (CPU, seeded generator, fixed batch order)."""
    if epochs < 0:
        raise ValueError("epochs must be >= 0")
    ids = tuple(item.id for item in catalog.items)
    events = list(interactions)
    pairs, subjects = co_occurrence(events, ids, half_life_days=half_life_days, now=now)
    generator = torch.Generator().manual_seed(seed)
    n = len(ids)
    content = embedder.encode([document_text(item) for item in catalog.items]) if n else np.zeros((0, 384))
    start = _content_start(content, dim, generator) if n else torch.zeros((0, dim))
    evidence = torch.zeros(n)
    for (a, _), w in pairs.items():
        evidence[a] += w
    meta: dict[str, str | int | float] = {
        "events": len(events),
        "subjects": subjects,
        "pairs": len(pairs),
        "epochs": epochs,
        "seed": seed,
        "trained_at": (now or datetime.now(UTC)).isoformat(),
        "catalog_version": catalog.version,
        "loss": float("nan"),
    }
    if not pairs or epochs == 0:
        return RecommenderModel(ids, start.clone(), evidence, meta)

    inputs = torch.nn.Parameter(start.clone())
    outputs = torch.nn.Parameter(start.clone())
    keys = torch.tensor(sorted(pairs), dtype=torch.long)
    weights = torch.tensor([pairs[(int(a), int(b))] for a, b in keys.tolist()], dtype=torch.float32)
    weights = weights / weights.mean()
    # Negatives drawn uniformly, not by popularity as word2vec does: in a catalog of tens of
    # products the popular few would be each other's negatives, pushing apart the very pairs
    # that are bought together. A negative that happens to be the positive itself is masked.
    noise = torch.ones(n)
    optimiser = torch.optim.Adam([inputs, outputs], lr=learning_rate)
    loss_value = float("nan")
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(keys), generator=generator)
        total, seen = 0.0, 0
        for start_at in range(0, len(keys), batch_size):
            batch = order[start_at : start_at + batch_size]
            centre, context = keys[batch, 0], keys[batch, 1]
            sampled = torch.multinomial(noise, len(batch) * negatives, replacement=True, generator=generator)
            sampled = sampled.view(len(batch), negatives)
            u = inputs[centre]
            positive = torch.nn.functional.logsigmoid((u * outputs[context]).sum(1))
            distinct = (sampled != context.unsqueeze(1)) & (sampled != centre.unsqueeze(1))
            negative = torch.nn.functional.logsigmoid(-(u.unsqueeze(1) * outputs[sampled]).sum(2))
            negative = (negative * distinct).sum(1)
            loss = -(weights[batch] * (positive + negative)).mean()
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        loss_value = total / seen
        if progress is not None:
            progress(epoch, loss_value)
    meta["loss"] = loss_value
    with torch.no_grad():
        vectors = torch.nn.functional.normalize(inputs + outputs, dim=1)
    return RecommenderModel(ids, vectors.detach().clone(), evidence, meta)


class BlendedRecommender:
    """`Recommender`: learned similarity where there is evidence, content similarity where not.

    Per pair the learned cosine weighs `c = sqrt(conf(a) * conf(b))` with `conf(x) = e / (e + k)`
    (e: the item's evidence, k: `evidence_scale`), the content cosine `1 - c`. Without a model,
    content alone. With several products, each candidate scores by the one it goes with best.
    Thread-safe: `set_model` swaps the model whole.
    """

    def __init__(
        self, model: RecommenderModel | None, search: SemanticSearch, *, evidence_scale: float = 10.0
    ) -> None:
        if evidence_scale <= 0:
            raise ValueError("evidence_scale must be > 0")
        self._model = model
        self._search = search
        self._scale = evidence_scale
        self._lock = threading.Lock()

    def set_model(self, model: RecommenderModel | None) -> None:
        with self._lock:
            self._model = model

    def _confidence(self, model: RecommenderModel, product_id: str) -> float:
        row = model.row(product_id)
        if row is None:
            return 0.0
        e = float(model.evidence[row])
        return e / (e + self._scale)

    def related(
        self, product_ids: Sequence[str], *, limit: int = 5, exclude: Collection[str] = ()
    ) -> list[Hit]:
        if limit <= 0:
            return []
        model = self._model
        ids, content = self._search.item_vectors()
        rows = {pid: i for i, pid in enumerate(ids)}
        seeds = [pid for pid in dict.fromkeys(product_ids) if pid in rows]
        skip = set(exclude) | set(seeds)
        if not seeds:
            return self._popular(model, skip, limit)
        seed_rows = [rows[pid] for pid in seeds]
        content_scores = content[seed_rows] @ content.T  # (seeds, n)
        learned: torch.Tensor | None = None
        confidence = np.zeros(len(ids), np.float32)
        if model is not None:
            model_rows = [model.row(pid) for pid in ids]
            known = [i for i, r in enumerate(model_rows) if r is not None]
            confidence[known] = [self._confidence(model, ids[i]) for i in known]
            learned = torch.zeros(len(seeds), len(ids))
            candidates = model.vectors[torch.tensor([model_rows[i] for i in known], dtype=torch.long)]
            for s, pid in enumerate(seeds):
                seed_row = model.row(pid)
                if seed_row is not None:
                    learned[s, known] = candidates @ model.vectors[seed_row]
        # Each product by the seed it goes with best: a cart holding a lamp and a mug wants the
        # sofa for the lamp and the bottle for the mug, not what is lukewarm about both.
        scores = np.full(len(ids), -np.inf)
        for s, seed_index in enumerate(seed_rows):
            pair = np.sqrt(confidence[seed_index] * confidence)
            blended = (1.0 - pair) * content_scores[s]
            if learned is not None:
                blended = blended + pair * learned[s].numpy()
            scores = np.maximum(scores, blended)
        hits = [Hit(pid, float(scores[i])) for i, pid in enumerate(ids) if pid not in skip]
        hits.sort(key=lambda h: (-h.score, h.product_id))
        return hits[:limit]

    def _popular(self, model: RecommenderModel | None, skip: set[str], limit: int) -> list[Hit]:
        """Nothing to go with: the products with the most evidence, or what is available and cheap."""
        if model is not None and float(model.evidence.sum()) > 0:
            ranked = sorted(
                ((float(model.evidence[i]), pid) for i, pid in enumerate(model.ids)),
                key=lambda t: (-t[0], t[1]),
            )
            current = set(self._search.item_vectors()[0])
            hits = [Hit(pid, e) for e, pid in ranked if e > 0 and pid in current and pid not in skip]
            if hits:
                return hits[:limit]
        flt = ProductFilter(in_stock_only=True, exclude=frozenset(skip))
        return self._search.search("", flt, limit=limit)
