"""Paces a session at its target frame rate; a late frame skips ahead instead of bunching up."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

__all__ = ["FrameClock", "Tick"]

Tick = tuple[float, int]  # (scheduled time in seconds, ticks skipped since the last one)


class FrameClock:
    def __init__(
        self,
        fps: float,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be positive, got {fps}")
        self.interval = 1.0 / fps
        self._now = now
        self._sleep = sleep
        self._next: float | None = None

    async def tick(self) -> Tick:
        """Wait for the next frame time. If it has already passed by a whole interval or more,
        those frames are given up (counted as skipped) rather than rendered late in a burst."""
        now = self._now()
        if self._next is None:
            self._next = now
        skipped = 0
        if now - self._next >= self.interval:
            skipped = int((now - self._next) / self.interval)
            self._next += skipped * self.interval
        delay = self._next - now
        if delay > 0:
            await self._sleep(delay)
        scheduled = self._next
        self._next += self.interval
        return scheduled, skipped
