"""Retraining the assistant's recommender from the shop's interaction events, on demand or on a schedule.

`retrain` reads the events and the catalog from the shop's database, trains, and writes
`<assistant_dir>/recommender.pt` atomically (a server reading it meanwhile gets the old model or
the new one, never half). `retraining` is the server's schedule: the last model at once, then a
fresh one every interval, trained on a worker thread so the event loop never waits on torch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from avatar.brain.embeddings import Embedder
from avatar.brain.recommender import RecommenderModel, train
from commerce_api import interactions
from commerce_api.db import database_url, migrated_sessions
from holoshop.assistant_catalog import catalog_snapshot, load_interactions
from holoshop.config import Settings

__all__ = ["MODEL_FILE", "RetrainReport", "load_model", "model_path", "retrain", "retraining"]

log = logging.getLogger("holoshop.assistant")

MODEL_FILE = "recommender.pt"
WINDOW_DAYS = 365.0  # events older than this weigh under 2**-12 with the default 30-day half-life


@dataclass(frozen=True)
class RetrainReport:
    path: Path
    model: RecommenderModel
    events: int
    subjects: int
    products: int
    epochs: int
    loss: float
    pruned: int
    seconds: float

    def summary(self) -> str:
        loss = "n/a" if self.loss != self.loss else f"{self.loss:.4f}"  # NaN: nothing to learn
        return (
            f"wrote {self.path}: {self.products} products, {self.events} events from {self.subjects} "
            f"subjects, {self.epochs} epochs, loss {loss}, in {self.seconds:.1f} s"
        )


def model_path(settings: Settings) -> Path:
    return settings.assistant_dir / MODEL_FILE


def load_model(settings: Settings) -> RecommenderModel | None:
    """The last trained model, or None when there is none yet or it cannot be read."""
    path = model_path(settings)
    if not path.is_file():
        return None
    try:
        return RecommenderModel.load(path)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        log.warning("ignoring the recommender model %s: %s", path, exc)
        return None


def _train_on(
    sessions: sessionmaker[Session],
    settings: Settings,
    embedder: Embedder,
    *,
    epochs: int,
    seed: int,
    prune_days: float | None,
    echo: Callable[[str], None],
) -> RetrainReport:
    started = time.perf_counter()
    now = datetime.now(UTC)
    pruned = 0
    if prune_days is not None:
        with sessions() as session, session.begin():
            pruned = interactions.prune(session, now - timedelta(days=prune_days))
        echo(f"pruned {pruned} events older than {prune_days:g} days")
    catalog = catalog_snapshot(sessions)
    events = load_interactions(sessions, since=now - timedelta(days=WINDOW_DAYS))
    echo(f"read {len(events)} events over {len(catalog.items)} products")
    every = max(1, epochs // 10)

    def progress(epoch: int, loss: float) -> None:
        if epoch % every == 0 or epoch == epochs:
            echo(f"  epoch {epoch}/{epochs}: loss {loss:.4f}")

    model = train(events, catalog, embedder, epochs=epochs, seed=seed, now=now, progress=progress)
    path = model_path(settings)
    model.save(path)
    return RetrainReport(
        path=path,
        model=model,
        events=len(events),
        subjects=int(model.meta.get("subjects", 0)),
        products=len(model.ids),
        epochs=epochs,
        loss=float(model.meta.get("loss", float("nan"))),
        pruned=pruned,
        seconds=time.perf_counter() - started,
    )


def retrain(
    settings: Settings,
    *,
    epochs: int = 200,
    seed: int = 0,
    prune_days: float | None = None,
    embedder: Embedder | None = None,
    sessions: sessionmaker[Session] | None = None,
    echo: Callable[[str], None] = print,
) -> RetrainReport:
    """Trains on the shop database's events and writes the model; `echo` hears progress.

    `embedder`: the server's own (its cache is warm); by default one caching in `assistant_dir`.
    `sessions`: the server's own (its database is migrated and its engine pooled); by default the
    configured database, migrated first, on an engine of this call's.
    `prune_days`: first delete events older than this many days (default: keep everything).
    """
    with contextlib.ExitStack() as stack:
        if sessions is None:
            sessions = stack.enter_context(migrated_sessions(database_url(settings.database_url)))
        report = _train_on(
            sessions,
            settings,
            embedder or Embedder(settings.assistant_dir),
            epochs=epochs,
            seed=seed,
            prune_days=prune_days,
            echo=echo,
        )
    echo(report.summary())
    return report


async def retraining(
    settings: Settings,
    interval_s: float,
    on_model: Callable[[RecommenderModel], None],
    *,
    embedder: Embedder | None = None,
    sessions: sessionmaker[Session] | None = None,
    epochs: int = 200,
) -> None:
    """Hands `on_model` the last saved model at once, then a freshly trained one every `interval_s`
    (0 or less: never retrains; returns after the first). Runs until cancelled; a failed run is
    logged and tried again next time."""
    saved = await asyncio.to_thread(load_model, settings)
    if saved is not None:
        on_model(saved)
    if interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        try:
            report = await asyncio.to_thread(
                retrain, settings, epochs=epochs, embedder=embedder, sessions=sessions, echo=log.info
            )
        except Exception:
            log.exception("retraining the recommender failed")
            continue
        on_model(report.model)
