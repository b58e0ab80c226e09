"""The shop's cart service as the render node's CartPort: the one place carts and rendering meet.

The composition root builds it with `commerce_cart_port(sessions)` and hands it to the
RenderNode; render_node itself never imports commerce_api. The service is synchronous
SQLAlchemy, so every call runs on a worker thread: the event loop (and so the render loop)
never waits on the database.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from render_node.cart_port import CartError, CartPort, CartUpdate

__all__ = ["CommerceCarts", "commerce_cart_port", "stock_message"]

_ONLY_LEFT = re.compile(r"only (\d+) left", re.IGNORECASE)


def stock_message(detail: str) -> str:
    """The service's "only 2 left of SKU-1" as a line for the showroom overlay."""
    match = _ONLY_LEFT.search(detail)
    if match is None:
        return "Out of stock"
    left = int(match.group(1))
    return f"Only {left} left" if left else "Out of stock"


class CommerceCarts:
    """`carts` is the commerce_api.carts module, passed in so this file imports it only when used."""

    def __init__(self, sessions: sessionmaker[Session], carts: Any) -> None:
        self._sessions = sessions
        self._carts = carts

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        return await asyncio.to_thread(self._add, cart_token, product_id, variant_index)

    async def cart_count(self, cart_token: str) -> CartUpdate:
        return await asyncio.to_thread(self._count, cart_token)

    def _add(self, token: str, product_id: str, variant_index: int) -> CartUpdate:
        carts = self._carts
        with self._sessions() as session:
            try:
                cart = carts.add_item(session, token, product_id=product_id, variant_index=variant_index)
            except carts.CartNotFound:
                raise CartError("no_cart", "Your cart was not found; reload the page for a new one") from None
            except carts.OutOfStock as exc:
                raise CartError("out_of_stock", stock_message(str(exc))) from None
            except carts.ItemNotFound:
                raise CartError("unknown_product", "This product is not for sale") from None
            return CartUpdate(int(cart.count))

    def _count(self, token: str) -> CartUpdate:
        carts = self._carts
        with self._sessions() as session:
            try:
                cart = carts.get_cart(session, token)
            except carts.CartNotFound:
                raise CartError("no_cart", "Your cart was not found; reload the page for a new one") from None
            return CartUpdate(int(cart.count))


def commerce_cart_port(sessions: sessionmaker[Session]) -> CartPort:
    """The commerce cart service behind the render node's port (imported here, on first use)."""
    import commerce_api.carts as carts

    return CommerceCarts(sessions, carts)
