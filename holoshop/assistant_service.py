"""The assistant as the server runs it: the brain over the shop's live catalog, and its helpers.

Built on first use, or ahead by `warm_up` in a worker thread at startup: torch's import and the
model's load take about 3 s. The catalog is re-read at most every `refresh_s`, since stock and
prices move; the embeddings recompute only for texts that changed (they are cached by text, in
memory and in `assistant_dir`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from avatar.brain.assistant import Answer, Assistant
from avatar.brain.embeddings import Embedder
from avatar.brain.recommender import BlendedRecommender, RecommenderModel
from avatar.brain.semantic_search import SemanticSearch
from commerce_api import interactions
from holoshop.assistant_catalog import catalog_snapshot, commerce_text_search
from holoshop.assistant_training import load_model, retraining
from holoshop.config import Settings
from render_node.assistant_port import ShowroomInteraction

__all__ = ["AssistantService", "CommerceInteractions", "running_assistant", "shared_embedder"]

log = logging.getLogger("holoshop.assistant")


@functools.cache
def shared_embedder(cache_dir: Path) -> Embedder:
    """One model per process and cache folder: every app and the retraining schedule share it."""
    return Embedder(cache_dir)


class AssistantService:
    """`AssistantPort` for the render node and the HTTP API; thread-safe."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        refresh_s: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._embedder = embedder
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._search: SemanticSearch | None = None
        self._recommender: BlendedRecommender | None = None
        self._model: RecommenderModel | None = None  # handed over before the brain was built
        self._read_at = 0.0

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._sessions

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(self._settings.assistant_dir.resolve())
        return self._embedder

    def ask(self, text: str, session_key: str | None = None, *, focused: str | None = None) -> Answer:
        return self._ready().ask(text, session_key, focused=focused)

    def warm_up(self) -> None:
        """Load the model and embed the catalog now, so the first question is answered at full speed."""
        started = time.perf_counter()
        self._ready()
        self.embedder.warm_up()
        log.info("assistant ready in %.1f s", time.perf_counter() - started)

    def set_model(self, model: RecommenderModel | None) -> None:
        """A newly trained recommender (the retraining schedule's callback)."""
        with self._lock:
            self._model = model
            if self._recommender is not None:
                self._recommender.set_model(model)

    def _ready(self) -> Assistant:
        """The brain, built on first use; every `refresh_s` one question re-reads the catalog first,
        outside the lock, so the others are answered meanwhile."""
        now = time.monotonic()
        with self._lock:
            if self._assistant is None:
                catalog = catalog_snapshot(self._sessions)
                search = SemanticSearch(catalog, self.embedder, commerce_text_search(self._sessions))
                model = self._model if self._model is not None else load_model(self._settings)
                self._recommender = BlendedRecommender(model, search)
                self._search = search
                self._assistant = Assistant(catalog, search, self._recommender)
                self._read_at = now
                return self._assistant
            assistant, current = self._assistant, self._search
            stale = now - self._read_at >= self._refresh_s
            if stale:
                self._read_at = now  # this question refreshes; the others go on with the current catalog
        if stale:
            catalog = catalog_snapshot(self._sessions)
            if catalog != assistant.catalog:
                assert current is not None
                current.set_catalog(catalog)  # both swap their state whole: thread-safe
                assistant.set_catalog(catalog)
        return assistant


class CommerceInteractions:
    """`InteractionSink` over the shop's database: what showroom viewers look at, one INSERT each."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def record(self, subject: str, product_id: str, kind: ShowroomInteraction) -> None:
        await run_in_threadpool(self._write, subject, product_id, kind)

    def _write(self, subject: str, product_id: str, kind: ShowroomInteraction) -> None:
        with self._sessions() as session, session.begin():
            interactions.record(session, interactions.showroom_subject(subject), product_id, kind)


@contextlib.asynccontextmanager
async def running_assistant(service: AssistantService | None, settings: Settings) -> AsyncIterator[None]:
    """While the server runs: the brain warms up in a worker thread and the recommender retrains on
    schedule (`assistant_retrain_minutes`), neither holding up startup."""
    if service is None:
        yield
        return

    def warm_up() -> None:
        try:
            service.warm_up()
        except Exception:  # the first question will try again, and say what fails
            log.exception("warming up the assistant failed")

    embedder = await asyncio.to_thread(lambda: service.embedder)  # reads its cache file: off the loop
    tasks = [
        asyncio.create_task(asyncio.to_thread(warm_up)),
        asyncio.create_task(
            retraining(
                settings,
                settings.assistant_retrain_minutes * 60,
                service.set_model,
                embedder=embedder,
                sessions=service.sessions,
            )
        ),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
