"""The render node's door to a shop's carts: a port, so render_node never imports commerce_api.

The composition root hands a `CartPort` to the render node: an adapter over the commerce cart
service in the embedded server (holoshop/cart_adapter.py), or `InMemoryCarts` for tests and for
a node with no shop wired.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["CartError", "CartErrorCode", "CartPort", "CartUpdate", "InMemoryCarts"]

CartErrorCode = Literal["no_cart", "unknown_product", "out_of_stock", "unavailable"]


@dataclass(frozen=True)
class CartUpdate:
    """What the showroom shows of a cart: the number of items in it (quantities summed)."""

    count: int


class CartError(Exception):
    """A refusal the viewer can act on; `message` is short and fit to show as it is."""

    def __init__(self, code: CartErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: CartErrorCode = code
        self.message = message


class CartPort(Protocol):
    """Asynchronous so a slow shop never blocks the event loop (and so never the render loop)."""

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        """Add one of the product's variant (its glTF variant index) to the cart; CartError if refused."""
        ...

    async def cart_count(self, cart_token: str) -> CartUpdate:
        """The cart's current count; CartError("no_cart") when there is no such cart."""
        ...


class InMemoryCarts:
    """Carts in a dict, for tests and for a render node that runs without a shop.

    `stock` maps (product_id, variant_index) to what is left; pairs it leaves out are unlimited.
    `known_products` (when given) refuses other product ids, like a catalog would. With
    `create_on_demand` an unknown token opens an empty cart, so the showroom works stand-alone
    with whatever token the page made; without it only tokens from `open_cart` exist.
    """

    def __init__(
        self,
        *,
        stock: Mapping[tuple[str, int], int] | None = None,
        known_products: frozenset[str] | None = None,
        create_on_demand: bool = True,
    ) -> None:
        self._stock = dict(stock or {})
        self._known = known_products
        self._create = create_on_demand
        self.carts: dict[str, dict[tuple[str, int], int]] = {}

    def open_cart(self, token: str) -> None:
        self.carts.setdefault(token, {})

    def _cart(self, token: str) -> dict[tuple[str, int], int]:
        if token not in self.carts and self._create:
            self.open_cart(token)
        cart = self.carts.get(token)
        if cart is None:
            raise CartError("no_cart", "Your cart was not found; reload the page for a new one")
        return cart

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        await asyncio.sleep(0)  # a real shop answers later: callers must not rely on it being synchronous
        cart = self._cart(cart_token)
        if self._known is not None and product_id not in self._known:
            raise CartError("unknown_product", "This product is not for sale")
        key = (product_id, variant_index)
        left = self._stock.get(key)
        if left is not None and cart.get(key, 0) + 1 > left:
            raise CartError("out_of_stock", f"Only {left} left" if left else "Out of stock")
        cart[key] = cart.get(key, 0) + 1
        return CartUpdate(sum(cart.values()))

    async def cart_count(self, cart_token: str) -> CartUpdate:
        await asyncio.sleep(0)
        return CartUpdate(sum(self._cart(cart_token).values()))
