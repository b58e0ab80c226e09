"""The render node's cart port: the in-memory carts, and a session's shared cart over it.

SessionCart is what a Session uses for `{"type":"cart"}` and add_to_cart; here it runs over
InMemoryCarts with the replies recorded as the viewers would receive them.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from holoshop.cart_adapter import stock_message
from render_node.cart_port import CartError, CartPort, CartUpdate, InMemoryCarts
from render_node.messages import CartNotice, ErrorMessage
from render_node.session_cart import MAX_QUEUED_CART_CALLS, SessionCart

ROOT = Path(__file__).resolve().parent.parent


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


# -- InMemoryCarts ---------------------------------------------------------------------------------


def test_in_memory_carts_count_quantities_per_cart() -> None:
    async def scenario() -> None:
        carts = InMemoryCarts()
        assert await carts.add_to_cart("a", "shoe", 0) == CartUpdate(1)
        assert await carts.add_to_cart("a", "shoe", 0) == CartUpdate(2)
        assert await carts.add_to_cart("a", "shoe", 1) == CartUpdate(3)
        assert await carts.add_to_cart("b", "lamp", 0) == CartUpdate(1)
        assert await carts.cart_count("a") == CartUpdate(3)
        assert carts.carts["a"] == {("shoe", 0): 2, ("shoe", 1): 1}

    run(scenario)


def test_in_memory_carts_refuse_beyond_stock_saying_how_many_are_left() -> None:
    async def scenario() -> None:
        carts = InMemoryCarts(stock={("shoe", 1): 2, ("lamp", 0): 0})
        await carts.add_to_cart("a", "shoe", 1)
        await carts.add_to_cart("a", "shoe", 1)
        with pytest.raises(CartError) as refused:
            await carts.add_to_cart("a", "shoe", 1)
        assert (refused.value.code, refused.value.message) == ("out_of_stock", "Only 2 left")
        with pytest.raises(CartError) as none_left:
            await carts.add_to_cart("a", "lamp", 0)
        assert none_left.value.message == "Out of stock"
        assert await carts.add_to_cart("a", "shoe", 0) == CartUpdate(3)  # other colourways unlimited

    run(scenario)


def test_in_memory_carts_without_creation_know_only_opened_carts_and_products() -> None:
    async def scenario() -> None:
        carts = InMemoryCarts(create_on_demand=False, known_products=frozenset({"shoe"}))
        for call in (carts.cart_count("nope"), carts.add_to_cart("nope", "shoe", 0)):
            with pytest.raises(CartError) as refused:
                await call
            assert refused.value.code == "no_cart"
        carts.open_cart("mine")
        assert await carts.cart_count("mine") == CartUpdate(0)
        with pytest.raises(CartError) as unknown:
            await carts.add_to_cart("mine", "ghost", 0)
        assert unknown.value.code == "unknown_product"

    run(scenario)


# -- SessionCart -----------------------------------------------------------------------------------


class Viewers:
    """What the session's viewers were sent: (viewer id or None for all, message); counts seen."""

    def __init__(self) -> None:
        self.sent: list[tuple[str | None, CartNotice | ErrorMessage]] = []
        self.counts: list[int] = []

    def reply(self, viewer_id: str | None, message: CartNotice | ErrorMessage) -> None:
        self.sent.append((viewer_id, message))

    def last(self) -> tuple[str | None, CartNotice | ErrorMessage]:
        return self.sent[-1]

    def errors(self) -> list[tuple[str | None, str, str]]:
        return [(v, m.code, m.message) for v, m in self.sent if isinstance(m, ErrorMessage)]


def session_cart(port: CartPort | None = None) -> tuple[SessionCart, Viewers]:
    viewers = Viewers()
    return SessionCart(port or InMemoryCarts(), viewers.counts.append, viewers.reply), viewers


def test_a_token_then_adds_raise_the_count_and_tell_every_viewer() -> None:
    async def scenario() -> None:
        carts = InMemoryCarts()
        await carts.add_to_cart("tok", "lamp", 0)  # the cart already holds one thing
        cart, viewers = session_cart(carts)
        cart.set_token("tok", "v1")
        await cart.idle()
        assert (cart.token, cart.count, viewers.counts) == ("tok", 1, [1])
        assert viewers.sent == [(None, CartNotice(token="tok", count=1))]
        cart.add("shoe", 2, "Runner, blue", "v1")
        cart.add("shoe", 2, "Runner, blue", "v2")
        await cart.idle()
        assert viewers.counts == [1, 2, 3]
        assert viewers.last() == (None, CartNotice(token="tok", count=3, message="Added Runner, blue"))
        assert carts.carts["tok"][("shoe", 2)] == 2

    run(scenario)


def test_adding_without_a_token_or_a_product_is_a_clear_error_to_that_viewer() -> None:
    async def scenario() -> None:
        cart, viewers = session_cart()
        cart.add("shoe", 0, "Runner", "v1")
        cart.add(None, 0, "", "v2")
        await cart.idle()
        assert sorted(viewers.errors(), key=str) == sorted(
            [("v1", "no_cart", "No cart yet: reload the page"), ("v2", "no_product", "No product focused")],
            key=str,
        )
        assert cart.count == 0 and viewers.counts == []

    run(scenario)


def test_out_of_stock_is_told_to_the_viewer_who_asked_and_the_count_stays() -> None:
    async def scenario() -> None:
        cart, viewers = session_cart(InMemoryCarts(stock={("shoe", 0): 1}))
        cart.set_token("tok", "v1")
        cart.add("shoe", 0, "Runner", "v2")
        cart.add("shoe", 0, "Runner", "v2")
        await cart.idle()
        assert cart.count == 1
        assert viewers.errors() == [("v2", "out_of_stock", "Only 1 left")]

    run(scenario)


def test_co_browsers_share_the_first_cart_and_are_told_its_token() -> None:
    async def scenario() -> None:
        cart, viewers = session_cart()
        cart.set_token("owner-cart", "owner")
        cart.set_token("guest-cart", "guest")
        await cart.idle()
        assert cart.token == "owner-cart"
        assert viewers.last() == ("guest", CartNotice(token="owner-cart", count=0))
        cart.add("shoe", 0, "Runner", "guest")  # the guest's add goes into the shared cart
        await cart.idle()
        assert viewers.last() == (None, CartNotice(token="owner-cart", count=1, message="Added Runner"))
        cart.set_token("merged-cart", "owner")  # the owner may move the session to another cart
        await cart.idle()
        assert cart.token == "merged-cart" and cart.count == 0 and viewers.counts == [1, 0]

    run(scenario)


def test_a_cart_the_shop_forgot_can_be_replaced_by_any_viewer() -> None:
    async def scenario() -> None:
        carts = InMemoryCarts(create_on_demand=False)
        carts.open_cart("old")
        carts.open_cart("new")
        cart, viewers = session_cart(carts)
        cart.set_token("old", "owner")
        await cart.idle()
        del carts.carts["old"]  # e.g. checked out and deleted, or merged on login elsewhere
        cart.add("shoe", 0, "Runner", "guest")
        await cart.idle()
        assert viewers.errors()[-1][:2] == ("guest", "no_cart")
        cart.set_token("new", "guest")
        await cart.idle()
        assert cart.token == "new"

    run(scenario)


def test_an_unknown_token_is_refused_and_leaves_the_session_without_a_cart() -> None:
    async def scenario() -> None:
        cart, viewers = session_cart(InMemoryCarts(create_on_demand=False))
        cart.set_token("nope", "v1")
        await cart.idle()
        assert cart.token is None
        assert viewers.errors() == [
            ("v1", "no_cart", "Your cart was not found; reload the page for a new one")
        ]

    run(scenario)


class BrokenShop:
    """A shop that fails in a way the port does not describe (a database outage)."""

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        raise OSError("connection refused")

    async def cart_count(self, cart_token: str) -> CartUpdate:
        return CartUpdate(0)


def test_a_failing_shop_answers_unavailable_and_never_raises() -> None:
    async def scenario() -> None:
        cart, viewers = session_cart(BrokenShop())
        cart.set_token("tok", "v1")
        cart.add("shoe", 0, "Runner", "v1")
        await cart.idle()
        assert viewers.errors() == [("v1", "unavailable", "The cart is unavailable")]

    run(scenario)


class SlowShop(InMemoryCarts):
    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def add_to_cart(self, cart_token: str, product_id: str, variant_index: int) -> CartUpdate:
        await self.release.wait()
        return await super().add_to_cart(cart_token, product_id, variant_index)


def test_calls_queue_up_to_a_bound_then_answer_busy() -> None:
    async def scenario() -> None:
        shop = SlowShop()
        cart, viewers = session_cart(shop)
        cart.set_token("tok", "v1")
        for _ in range(MAX_QUEUED_CART_CALLS + 2):
            cart.add("shoe", 0, "Runner", "v1")
        busy = [e for e in viewers.errors() if e[1] == "busy"]
        assert len(busy) == 3  # the token call holds one of the places
        shop.release.set()
        await cart.idle()
        assert cart.count == MAX_QUEUED_CART_CALLS - 1

    run(scenario)


def test_closing_cancels_calls_in_flight() -> None:
    async def scenario() -> None:
        shop = SlowShop()
        cart, viewers = session_cart(shop)
        cart.set_token("tok", "v1")
        cart.add("shoe", 0, "Runner", "v1")
        await asyncio.sleep(0.01)
        await cart.close()
        assert cart.count == 0 and shop.carts["tok"] == {}

    run(scenario)


# -- the adapter and the dependency direction --------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "line"),
    [
        ("only 2 left of RUN-RED", "Only 2 left"),
        ("Only 0 left of X", "Out of stock"),
        ("nope", "Out of stock"),
    ],
)
def test_stock_details_become_short_overlay_lines(detail: str, line: str) -> None:
    assert stock_message(detail) == line


def test_render_node_never_imports_commerce_api() -> None:
    """render_node reaches the shop through CartPort only; holoshop wires the adapter."""
    offenders = []
    for path in sorted((ROOT / "render_node").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("commerce_api", "holoshop")
            ]
    assert offenders == []
