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

    async def tick(self, wake: asyncio.Event | None = None) -> Tick:
        """Wait for the next frame time. If it has already passed by a whole interval or more,
        those frames are given up (counted as skipped) rather than rendered late in a burst.

        Setting `wake` ends the wait at once and starts the grid again from that moment: input
        is drawn in the next frame, not after the rest of a frame interval.
        """
        now = self._now()
        if self._next is None:
            self._next = now
        skipped = 0
        if now - self._next >= self.interval:
            skipped = int((now - self._next) / self.interval)
            self._next += skipped * self.interval
        delay = self._next - now
        if delay > 0 and wake is not None and not wake.is_set():
            sleeper = asyncio.ensure_future(self._sleep(delay))
            waker = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
                await asyncio.gather(sleeper, waker, return_exceptions=True)
        elif delay > 0 and wake is None:
            await self._sleep(delay)
        if wake is not None and wake.is_set():
            wake.clear()
            self._next = max(self._now(), self._next - self.interval)
        scheduled = self._next
        self._next += self.interval
        return scheduled, skipped
