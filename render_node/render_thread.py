"""One thread that owns a GL context: every GL call of a renderer happens on it, off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

__all__ = ["RenderThread"]

T = TypeVar("T")


class RenderThread:
    """A single-worker executor: GL contexts are bound to the thread that made them current."""

    def __init__(self, name: str = "render") -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        return self._executor.submit(fn)

    async def run(self, fn: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
