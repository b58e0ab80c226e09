"""The shop's cart service as the render node's CartPort: the one place carts and rendering meet.

The composition root builds it with `commerce_cart_port(sessions, cache)` and hands it to the
RenderNode; render_node itself never imports commerce_api. The service is synchronous
SQLAlchemy, so every call runs on a worker thread: the event loop (and so the render loop)
never waits on the database.
"""

from __future__ import annotations

import asyncio
import re

from sqlalchemy.orm import Session, sessionmaker

from commerce_api import carts
from commerce_api.cart_cache import CartCache
from render_node.cart_port import CartError, CartPort, CartUpdate

__all__ = ["CommerceCarts", "commerce_cart_port", "stock_message"]

_NO_CART = "Your cart was not found; reload the page for a new one"
_ONLY_LEFT = re.compile(r"only (\d+) left", re.IGNORECASE)


def stock_message(detail: str) -> str:
    """The service's "only 2 left of SKU-1" as a line for the showroom overlay."""
    match = _ONLY_LEFT.search(detail)
    if match is None:
        return "Out of stock"
    left = int(match.group(1))
    return f"Only {left} left" if left else "Out of stock"


class CommerceCarts:
    """The render node's CartPort over commerce_api.carts, writing through the shop's cart cache."""

    def __init__(self, sessions: sessionmaker[Session], cache: CartCache | None = None) -> None:
        self._sessions = sessions
        self._cache = cache

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        return await asyncio.to_thread(self._add, cart_token, product_id, variant_index)

    async def cart_count(self, cart_token: str) -> CartUpdate:
        return await asyncio.to_thread(self._count, cart_token)

    def _add(self, token: str, product_id: str, variant_index: int) -> CartUpdate:
        with self._sessions() as session:
            try:
                cart = carts.add_item(
                    session, token, product_id=product_id, variant_index=variant_index, cache=self._cache
                )
            except (carts.CartNotFound, carts.CartForbidden):
                raise CartError("no_cart", _NO_CART) from None
            except carts.OutOfStock as exc:
                raise CartError("out_of_stock", stock_message(str(exc))) from None
            except carts.ItemNotFound:
                raise CartError("unknown_product", "This product is not for sale") from None
            except (carts.CartLimit, carts.CurrencyMismatch) as exc:
                raise CartError("unavailable", str(exc)) from None
            return CartUpdate(cart.count)

    def _count(self, token: str) -> CartUpdate:
        with self._sessions() as session:
            try:
                cart = carts.get_cart(session, token, cache=self._cache)
            except (carts.CartNotFound, carts.CartForbidden):
                raise CartError("no_cart", _NO_CART) from None
            return CartUpdate(cart.count)


def commerce_cart_port(sessions: sessionmaker[Session], cache: CartCache | None = None) -> CartPort:
    """The commerce cart service behind the render node's port."""
    return CommerceCarts(sessions, cache)
