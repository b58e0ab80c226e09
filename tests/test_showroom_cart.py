"""The cart from the showroom over real WebRTC: an aiortc viewer names its cart, adds the focused
product with the command and with Enter held, and sees `cart_count` go up in `state`; a co-browsing
viewer shares that cart. The server is the embedded one, so the carts are the shop's own: what the
showroom adds is in the cart the API returns."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assets.demo_catalog import demo_products
from tests.browser_harness import running_server, small_settings
from tests.rtc_helpers import Viewer, connect_viewer

pytestmark = pytest.mark.slow  # a real server and real WebRTC peers

SETTINGS = small_settings(width=320, height=180, max_texture_size=128)
FIRST, SECOND = (p.id for p in demo_products()[:2])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(SETTINGS) as url:
        yield url


def poster(http: httpx.AsyncClient, base_url: str) -> Any:
    async def post(body: dict[str, Any]) -> tuple[int, Any]:
        response = await http.post(f"{base_url}/rtc/offer", json=body, timeout=30)
        return response.status_code, response.json()

    return post


def of_type(kind: str, **fields: Any) -> Any:
    return lambda m: m.get("type") == kind and all(m.get(k) == v for k, v in fields.items())


def messages(viewer: Viewer, kind: str) -> list[dict[str, Any]]:
    return [m for m in viewer.states if m.get("type") == kind]


async def new_cart(http: httpx.AsyncClient, base_url: str) -> str:
    response = await http.post(f"{base_url}/api/carts")
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


async def api_cart(http: httpx.AsyncClient, base_url: str, token: str) -> dict[str, Any]:
    response = await http.get(f"{base_url}/api/carts/{token}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_viewer_adds_to_its_cart_and_sees_the_count(base_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            token = await new_cart(http, base_url)
            viewer = await connect_viewer(poster(http, base_url))
            try:
                await viewer.wait_state(of_type("state", focused=FIRST, cart_count=0))
                viewer.send({"type": "command", "name": "add_to_cart"})
                error = await viewer.wait_state(of_type("error"))
                assert error["code"] == "no_cart" and error["message"]

                viewer.send({"type": "cart", "token": token})
                await viewer.wait_state(of_type("cart", token=token, count=0))
                viewer.send({"type": "command", "name": "add_to_cart"})
                await viewer.wait_state(of_type("state", cart_count=1))
                added = await viewer.wait_state(of_type("cart", count=1))
                assert added["message"].startswith("Added ")

                # Inspect the second product and hold OK: one press, then auto-repeats.
                viewer.send({"type": "key", "key": "ArrowRight"})
                viewer.send({"type": "key", "key": "Enter"})
                await viewer.wait_state(of_type("state", focused=SECOND, mode="inspect"))
                viewer.send({"type": "key", "key": "Enter"})
                for _ in range(20):
                    await asyncio.sleep(0.05)
                    viewer.send({"type": "key", "key": "Enter", "repeat": True})
                await viewer.wait_state(of_type("state", cart_count=2))
                await asyncio.sleep(0.3)
                assert max(m["cart_count"] for m in messages(viewer, "state")) == 2, "one hold, one add"
                assert not [m for m in messages(viewer, "error") if m["code"] != "no_cart"]
                cart = await api_cart(http, base_url, token)
                assert cart["count"] == 2
                assert {item["product_id"] for item in cart["items"]} == {FIRST, SECOND}
            finally:
                await viewer.close()

    asyncio.run(scenario())


def test_a_co_browsing_viewer_shares_the_sessions_cart(base_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            owner_token, guest_token = await new_cart(http, base_url), await new_cart(http, base_url)
            post = poster(http, base_url)
            owner = await connect_viewer(post)
            guest: Viewer | None = None
            try:
                await owner.wait_state(of_type("state"))  # the channel is open
                owner.send({"type": "cart", "token": owner_token})
                await owner.wait_state(of_type("cart", token=owner_token))
                guest = await connect_viewer(post, session_id=owner.answer["session_id"])
                await guest.wait_state(of_type("state"))
                guest.send({"type": "cart", "token": guest_token})
                # The guest is told the session's cart rather than switching it to its own.
                await guest.wait_state(of_type("cart", token=owner_token))
                guest.send({"type": "command", "name": "add_to_cart"})
                await owner.wait_state(of_type("state", cart_count=1))
                await guest.wait_state(of_type("state", cart_count=1))
                assert not messages(guest, "error") and not messages(owner, "error")
                assert (await api_cart(http, base_url, owner_token))["count"] == 1
                assert (await api_cart(http, base_url, guest_token))["count"] == 0
            finally:
                if guest is not None:
                    await guest.close()
                await owner.close()

    asyncio.run(scenario())
