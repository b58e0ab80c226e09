"""A short memory per conversation, so follow-ups work: "the cheaper one", "the second", "in red", "it".

Bounded three ways: a few turns per conversation, a time to live after which a conversation starts
afresh, and a least-recently-used cap on the number of conversations kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from avatar.brain.base_search import ProductFilter
from avatar.brain.catalog import CatalogSnapshot
from avatar.brain.intents import Entities, Intent, ParseContext

__all__ = ["ConversationMemory", "Memories", "Turn"]

Clock = Callable[[], float]


@dataclass(frozen=True)
class Turn:
    text: str
    intent: Intent
    products: tuple[str, ...]
    at: float


class ConversationMemory:
    """What one conversation has shown so far. Not thread-safe by itself: hold `lock` around a turn."""

    def __init__(self, max_turns: int = 6, ttl_s: float = 900.0, *, clock: Clock = time.monotonic) -> None:
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.clock = clock
        self.lock = threading.Lock()
        self.turns: deque[Turn] = deque(maxlen=max_turns)
        self.results: tuple[str, ...] = ()
        self.focused: str | None = None
        self.variants: dict[str, int] = {}  # colourway last shown per product ("in red", then "add it")
        self.last_filter: ProductFilter | None = None
        self.last_query = ""  # the words of the last search, which a follow-up filter narrows
        self.last_intent: Intent | None = None
        self.touched = clock()

    def expired(self, now: float | None = None) -> bool:
        return (self.clock() if now is None else now) - self.touched > self.ttl_s

    def forget(self) -> None:
        self.turns.clear()
        self.results = ()
        self.focused = None
        self.variants.clear()
        self.last_filter = None
        self.last_query = ""
        self.last_intent = None

    def context(self, focused: str | None = None) -> ParseContext:
        """What a parser needs to read follow-ups; `focused` (what the showroom shows) wins."""
        if self.expired():
            self.forget()
        return ParseContext(focused=focused or self.focused, results=self.results)

    def remember(
        self,
        text: str,
        intent: Intent,
        products: Sequence[str],
        *,
        focus: str | None = None,
        variant: int | None = None,
        flt: ProductFilter | None = None,
        picked: bool = False,
    ) -> None:
        """One answered turn. Small talk and help keep the products in view. `picked`: the answer
        singled out products already shown ("the cheaper one", "in red"), so the list stays."""
        now = self.clock()
        self.touched = now
        self.turns.append(Turn(text[:200], intent, tuple(products), now))
        self.last_intent = intent
        if products and not (picked and set(products) <= set(self.results)):
            self.results = tuple(products)
        if focus is not None:
            self.focused = focus
            if variant is not None:
                self.variants[focus] = variant
        if flt is not None:
            self.last_filter = flt
        if len(self.variants) > 32:  # bounded like everything else here
            for key in list(self.variants)[:-32]:
                del self.variants[key]

    def resolve(
        self, entities: Entities, catalog: CatalogSnapshot, focused: str | None = None
    ) -> tuple[str, ...]:
        """The products a message means: those it names, else what its reference points at (the
        cheaper / pricier / first / second / third / last of the last results, or the one in focus)."""
        known = tuple(pid for pid in entities.products if catalog.get(pid) is not None)
        if known:
            return known
        results = tuple(pid for pid in self.results if catalog.get(pid) is not None)
        focus = focused or self.focused
        if focus is not None and catalog.get(focus) is None:
            focus = None
        reference = entities.reference
        if reference in ("cheaper", "pricier") and results:
            prices = {pid: catalog.get(pid).price_minor for pid in results}  # type: ignore[union-attr]
            pick = (
                min(results, key=prices.__getitem__)
                if reference == "cheaper"
                else max(results, key=prices.__getitem__)
            )
            return (pick,)
        index = {"first": 0, "second": 1, "third": 2, "last": -1}.get(reference or "")
        if index is not None:
            return (results[index],) if results and (index == -1 or index < len(results)) else ()
        if focus is not None:
            return (focus,)
        return results[:1] if len(results) == 1 or reference == "this" else ()


class Memories:
    """Conversations by session key, least recently used dropped beyond `max_sessions`."""

    def __init__(
        self,
        max_sessions: int = 1000,
        *,
        max_turns: int = 6,
        ttl_s: float = 900.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.max_sessions = max_sessions
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._store: OrderedDict[str, ConversationMemory] = OrderedDict()

    def get(self, key: str) -> ConversationMemory:
        with self._lock:
            memory = self._store.get(key)
            if memory is None or memory.expired():
                memory = ConversationMemory(self.max_turns, self.ttl_s, clock=self.clock)
                self._store[key] = memory
            self._store.move_to_end(key)
            while len(self._store) > self.max_sessions:
                self._store.popitem(last=False)
            return memory

    def drop(self, key: str) -> None:
        with self._lock:
            self._store.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._store
