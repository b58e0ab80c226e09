"""End to end in a real browser: headless Chromium loads the thin client from an in-process server,
plays the WebRTC stream, shows the product card and drives the showroom with the keyboard.

Needs Debian's Chromium at /usr/bin/chromium and the `playwright` package (used with that
executable; no downloaded browser builds); `make install` installs both, so neither is optional.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser_harness import (
    TRANSFER_BUDGET_BYTES,
    catalog_products,
    chromium_available,
    chromium_browser,
    end_session,
    running_server,
    small_settings,
    transfer_bytes,
    wait_for_live_video,
)

assert chromium_available(), "no Chromium at /usr/bin/chromium: run `make install` (apt package chromium)"

pytestmark = pytest.mark.slow  # a real browser: the suite's slowest module

WIDTH = 640
STALE_SESSION = "0123456789abcdef0123456789abcdef"

# Two frames of the <video>, 1 s apart, through a canvas: their mean brightness and how much they
# differ (mean absolute difference per channel, 0..255).
FRAMES_JS = """async () => {
  const video = document.getElementById("video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const grab = () => {
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  };
  const mean = (d) => {
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    return s / (d.length / 4 * 3);
  };
  const first = grab();
  const t0 = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const second = grab();
  let diff = 0;
  for (let i = 0; i < first.length; i += 4) {
    for (let c = 0; c < 3; c++) diff += Math.abs(first[i + c] - second[i + c]);
  }
  return { mean1: mean(first), mean2: mean(second), diff: diff / (first.length / 4 * 3),
           advanced: video.currentTime - t0 };
}"""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    # No gesture recogniser: these tests never turn the camera on, and one test checks the page
    # offers no camera to a server that cannot use it (tests/test_browser_camera.py turns it on).
    with running_server(small_settings(gestures=False)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def products(base_url: str) -> list[dict[str, Any]]:
    return catalog_products(base_url, at_least=2)


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh context (empty cache and sessionStorage) per test; its session ends afterwards."""
    context = browser.new_context(viewport={"width": 960, "height": 540})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    session = None
    if not page.is_closed():
        session = page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    context.close()
    if session:
        end_session(base_url, session)


def open_live(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    wait_for_live_video(page, WIDTH, timeout_s=20)


def overlay(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => {
          const o = document.getElementById("overlay");
          const text = (id) => document.getElementById(id).textContent;
          return { hidden: o.hidden, focused: o.dataset.focused, mode: o.dataset.mode, name: text("name"),
                   price: text("price"), variant: text("variant"), modeText: text("mode") };
        }"""
    )
    return state


def wait_for_overlay(page: Page, condition: str, arg: Any = None) -> dict[str, Any]:
    """Wait until `condition` (a JS expression over `o`, the overlay's dataset, and `arg`) holds."""
    page.wait_for_function(
        f"(arg) => {{ const el = document.getElementById('overlay'); const o = el.dataset; "
        f"return !el.hidden && ({condition}); }}",
        arg=arg,
        timeout=10_000,
    )
    return overlay(page)


def test_page_loads_and_video_plays(page: Page, base_url: str) -> None:
    open_live(page, base_url)
    size = page.evaluate(
        "() => [document.getElementById('video').videoWidth, document.getElementById('video').videoHeight]"
    )
    assert size == [WIDTH, 360]
    page.wait_for_function(
        "() => { const s = document.getElementById('status'); "
        "return s.textContent === 'Live' && s.className === 'ok'; }",
        timeout=5_000,
    )
    # "Live" is shown briefly, then the badge goes away and stays away.
    page.wait_for_function("() => document.getElementById('status').hidden", timeout=5_000)
    assert page.evaluate("() => document.getElementById('status').textContent") == "Live"


def test_overlay_shows_first_product(page: Page, base_url: str, products: list[dict[str, Any]]) -> None:
    open_live(page, base_url)
    state = wait_for_overlay(page, "o.focused && o.mode")
    first = products[0]
    assert state["focused"] == first["id"]
    assert state["mode"] == "browse"
    assert state["name"] == first["name"]
    # A formatted price: the amount, and the currency as a symbol or code (€649.00, 649,00 €, EUR 649.00).
    amount = f"{first['price_minor'] // 100}"
    assert amount in re.sub(r"[^\d]", "", state["price"]), state["price"]
    assert re.search(r"[^\d\s.,\u00a0\u202f]", state["price"]), f"no currency in {state['price']!r}"


def test_arrow_right_focuses_next_product(page: Page, base_url: str, products: list[dict[str, Any]]) -> None:
    open_live(page, base_url)
    before = wait_for_overlay(page, "o.focused")
    page.keyboard.press("ArrowRight")
    after = wait_for_overlay(page, "o.focused !== arg", before["focused"])
    by_id = {p["id"]: p for p in products}
    assert after["focused"] != before["focused"]
    # Showroom slots follow the catalog's order, as /api/products lists it.
    order = [p["id"] for p in products]
    assert after["focused"] == order[(order.index(before["focused"]) + 1) % len(order)]
    page.wait_for_function(
        "(name) => document.getElementById('name').textContent === name", arg=by_id[after["focused"]]["name"]
    )
    assert overlay(page)["name"] != before["name"]
    assert overlay(page)["mode"] == "browse"


def test_enter_inspects_and_backspace_returns(page: Page, base_url: str) -> None:
    open_live(page, base_url)
    before = wait_for_overlay(page, "o.mode === 'browse'")
    page.keyboard.press("Enter")
    inspecting = wait_for_overlay(page, "o.mode === 'inspect'")
    assert inspecting["focused"] == before["focused"]
    assert inspecting["modeText"].startswith("Inspecting")
    page.keyboard.press("Backspace")
    browsing = wait_for_overlay(page, "o.mode === 'browse'")
    assert browsing["focused"] == before["focused"]
    assert browsing["modeText"] == ""


def test_video_is_not_black_or_frozen(page: Page, base_url: str) -> None:
    open_live(page, base_url)
    frames: dict[str, float] = page.evaluate(FRAMES_JS)
    assert frames["mean1"] > 10 and frames["mean2"] > 10, frames  # not an all-black picture
    assert frames["advanced"] > 0.5, frames  # the stream's clock moved on
    # The focused product turns on its turntable (a diff of about 6 here); a frozen picture gives 0,
    # and encoder noise on a still scene stays well below the bound.
    assert frames["diff"] > 0.5, frames


def test_stale_session_recovers_with_a_new_one(page: Page, base_url: str) -> None:
    offers: list[tuple[str | None, int]] = []  # (session_id sent, status) per POST /rtc/offer

    def on_response(response: Response) -> None:
        if response.url.endswith("/rtc/offer"):
            body = json.loads(response.request.post_data or "{}")
            offers.append((body.get("session_id"), response.status))

    page.on("response", on_response)
    page.goto(f"{base_url}/?session={STALE_SESSION}")
    page.wait_for_function("() => document.getElementById('status').className === 'error'", timeout=10_000)
    assert offers[0] == (STALE_SESSION, 404), offers
    # The client drops the stale id after the 404 and starts a fresh session (its retry is after 1 s).
    try:
        page.wait_for_function(
            "() => document.getElementById('status').textContent === 'Live'", timeout=8_000, polling=100
        )
    except PlaywrightTimeoutError:
        status = page.evaluate("() => document.getElementById('status').textContent")
        pytest.fail(f"never recovered; offers (session_id, status): {offers}; status: {status!r}")
    wait_for_live_video(page, WIDTH, timeout_s=10)
    session = page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    assert session and session != STALE_SESSION
    assert offers[-1] == (None, 200), offers


def test_dropped_connection_reconnects_by_itself(page: Page, base_url: str) -> None:
    """The server ends the session under the page: it says so, then connects again on its own."""
    open_live(page, base_url)
    first = page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    end_session(base_url, first)
    page.wait_for_function(
        "() => /Cannot reach|Reconnecting|Connecting/.test(document.getElementById('status').textContent)",
        timeout=10_000,
        polling=50,
    )
    page.wait_for_function(
        "() => document.getElementById('status').textContent === 'Live'", timeout=15_000, polling=100
    )
    wait_for_live_video(page, WIDTH, timeout_s=10)
    second = page.evaluate("() => sessionStorage.getItem('holoshop-session')")
    assert second and second != first
    wait_for_overlay(page, "o.mode === 'browse'")


def test_page_weight_is_under_budget(page: Page, base_url: str) -> None:
    responses: list[Response] = []
    page.on("response", lambda r: responses.append(r))
    open_live(page, base_url)
    wait_for_overlay(page, "o.focused")
    total, sizes = transfer_bytes(page)
    paths = {name.removeprefix(base_url) for name in sizes}
    for path in ("/", "/static/app.js", "/static/connection.js", "/static/style.css", "/rtc/offer"):
        assert path in paths, (path, sorted(paths))
    assert all(size > 0 for size in sizes.values()), sizes
    # Cross-check with the bodies the browser received (headers excluded, so a little smaller).
    bodies = sum(len(r.body()) for r in responses if r.url.startswith(base_url) and r.status != 204)
    assert 0 < bodies <= total
    assert total < TRANSFER_BUDGET_BYTES, sizes


def test_add_to_cart_then_check_out_through_the_overlays(page: Page, base_url: str) -> None:
    """The whole purchase in the page: the showroom adds the focused product, the cart panel shows it
    from the shop's API, and the checkout form pays for it (offline provider) and shows the order."""
    open_live(page, base_url)
    focused = wait_for_overlay(page, "o.focused")
    page.click("#add")
    page.wait_for_function("() => document.getElementById('badge').textContent === '1'")
    page.click("#cart-button")
    page.wait_for_function("() => document.querySelectorAll('#cart-lines li').length === 1")
    assert focused["name"] in (page.text_content("#cart-lines") or "")
    page.click("#checkout-open")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=name]", "Ada Buyer")
    page.fill("input[name=line1]", "Hauptstr. 1")
    page.fill("input[name=city]", "Berlin")
    page.fill("input[name=postal_code]", "10115")
    page.select_option("select[name=country]", "DE")
    page.wait_for_function("() => document.getElementById('summary').textContent.includes('Total')")
    page.click("#pay")
    page.wait_for_function("() => !document.getElementById('order').hidden", timeout=20_000)
    order_text = page.text_content("#order") or ""
    assert "paid" in order_text, order_text
    order_id = order_text.split("Order number ")[1].split(" ")[0]
    with urllib.request.urlopen(f"{base_url}/api/orders/{order_id}", timeout=10) as response:
        order = json.load(response)
    assert order["status"] == "paid" and order["lines"][0]["quantity"] == 1
    assert order["address"]["country"] == "DE"
    page.wait_for_function("() => document.getElementById('badge').textContent === '0'")


def test_the_camera_is_opt_in_and_not_offered_by_a_server_without_gestures(page: Page, base_url: str) -> None:
    # Count camera requests: the page must never ask for the camera on its own.
    page.add_init_script(
        """(() => {
          window.cameraAsks = 0;
          const md = navigator.mediaDevices;
          if (md) md.getUserMedia = async () => {
            window.cameraAsks += 1;
            throw new DOMException("no", "NotAllowedError");
          };
        })()"""
    )
    open_live(page, base_url)  # the offer carries an idle camera section; the showroom still plays
    seen = page.evaluate(
        """() => ["hands", "camera-live", "camera-stop"].map((id) => document.getElementById(id).hidden)"""
    )
    assert seen == [True, True, True], "this server recognises no gestures, so there is no button"
    assert page.evaluate("() => window.cameraAsks") == 0
