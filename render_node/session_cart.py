"""The cart a session's viewers share, reached through a CartPort in tasks of its own.

Co-browsing viewers of one session share one cart: the first cart token a session is given is
its cart, every viewer is told that token (so each page can show and check out the same cart)
and every viewer's "add to cart" goes into it. A later token replaces it only when it comes from
the viewer that set it (a login that merged carts) or when the shop no longer knows the current
one. Cart calls run one at a time per session (counts arrive in order) in asyncio tasks, so
neither the event loop's input handling nor the render thread ever waits on the shop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from render_node.cart_port import CartError, CartPort
from render_node.messages import CartNotice, ErrorMessage

__all__ = ["MAX_QUEUED_CART_CALLS", "Reply", "SessionCart"]

log = logging.getLogger(__name__)

MAX_QUEUED_CART_CALLS = 8  # a viewer hammering "add" gets "busy", not an unbounded queue

Reply = Callable[[str | None, CartNotice | ErrorMessage], None]
"""Send to one viewer by id, or to every viewer of the session when the id is None."""


class SessionCart:
    def __init__(self, port: CartPort, on_count: Callable[[int], None], reply: Reply) -> None:
        self._port = port
        self._on_count = on_count
        self._reply = reply
        self.token: str | None = None
        self.count = 0
        self._owner: str | None = None
        self._known = False  # the shop answered for the current token
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def set_token(self, token: str, viewer_id: str | None) -> None:
        self._spawn(self._set_token(token, viewer_id), viewer_id)

    def add(self, product_id: str | None, variant_index: int, label: str, viewer_id: str | None) -> None:
        if product_id is None:
            self._reply(viewer_id, ErrorMessage(code="no_product", message="No product focused"))
            return
        self._spawn(self._add(product_id, variant_index, label, viewer_id), viewer_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Wait until every queued cart call has finished (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- inside the tasks ----------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None], viewer_id: str | None) -> None:
        if len(self._tasks) >= MAX_QUEUED_CART_CALLS:
            work.close()
            self._reply(viewer_id, ErrorMessage(code="busy", message="Still adding: try again in a moment"))
            return
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _set_token(self, token: str, viewer_id: str | None) -> None:
        async with self._lock:
            current = self.token
            if current is not None and token != current and viewer_id != self._owner and self._known:
                self._reply(viewer_id, CartNotice(token=current, count=self.count))  # join the shared cart
                return
            try:
                update = await self._port.cart_count(token)
            except CartError as exc:
                self._reply(viewer_id, ErrorMessage(code=exc.code, message=exc.message))
                return
            except Exception:
                log.exception("the cart service failed reading a cart")
                self._reply(viewer_id, ErrorMessage(code="unavailable", message="The cart is unavailable"))
                return
            self.token, self._owner, self._known = token, viewer_id, True
            self._count(update.count)
            self._reply(None, CartNotice(token=token, count=update.count))

    async def _add(self, product_id: str, variant_index: int, label: str, viewer_id: str | None) -> None:
        async with self._lock:
            token = self.token
            if token is None:
                self._reply(viewer_id, ErrorMessage(code="no_cart", message="No cart yet: reload the page"))
                return
            try:
                update = await self._port.add_to_cart(token, product_id, variant_index)
            except CartError as exc:
                if exc.code == "no_cart":
                    self._known = False  # any viewer may now name a cart that exists
                self._reply(viewer_id, ErrorMessage(code=exc.code, message=exc.message))
                return
            except Exception:
                log.exception("the cart service failed adding %s/%d", product_id, variant_index)
                self._reply(viewer_id, ErrorMessage(code="unavailable", message="The cart is unavailable"))
                return
            self._count(update.count)
            self._reply(None, CartNotice(token=token, count=update.count, message=f"Added {label}"))

    def _count(self, count: int) -> None:
        if count != self.count:
            self.count = count
            self._on_count(count)
