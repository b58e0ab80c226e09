"""A short-lived cache of catalog and search answers, as serialised JSON, in this process.

Listing and search are most of a shop's traffic and change rarely; answering them from memory for
a second takes the database and the ORM off the hot path. An answer that has just lapsed is still
served while one request refreshes it, so a lapse never sends every waiting client to the database
at once. What a shopper may see is at most about two `ttl`s old: a price or a stock figure a second
or two late. Nothing that takes money relies on it: adding to a
cart and checking out always read the database. Catalog writes through this process's admin API
clear it at once; other processes' entries lapse within `ttl`.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

__all__ = ["Lookup", "ReadCache"]


class Lookup(NamedTuple):
    body: bytes | None
    fresh: bool  # False with a body: lapsed less than a `ttl` ago, fine to serve while refreshing


class ReadCache:
    """Bytes by key for `ttl` seconds, at most `max_entries` (least recently used go first)."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 2048,
        clock: Callable[[], float] = time.monotonic,
        jitter: float = 0.2,
    ) -> None:
        self.ttl = ttl
        self._jitter = jitter
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        """The answer if it is fresh."""
        found = self.lookup(key)
        return found.body if found.fresh else None

    def lookup(self, key: Hashable) -> Lookup:
        """The answer if fresh, or lapsed by less than a `ttl` (then `fresh` is False)."""
        if self.ttl <= 0:
            return Lookup(None, False)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] + self.ttl <= now:
                self.misses += 1
                return Lookup(None, False)
            self._entries.move_to_end(key)
            if entry[0] <= now:
                self.misses += 1
                return Lookup(entry[1], False)
            self.hits += 1
            return Lookup(entry[1], True)

    def put(self, key: Hashable, body: bytes) -> None:
        if self.ttl <= 0:
            return
        # Lifetimes spread over the last `jitter` of the ttl, so answers cached together (at start,
        # say) do not all lapse, and all refresh, in the same instant.
        expires = self._clock() + self.ttl * random.uniform(1.0 - self._jitter, 1.0)
        with self._lock:
            self._entries[key] = (expires, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
