"""Helpers for driving the thin client in a real browser: an in-process server and headless Chromium.

`running_server` serves `create_app(settings)` with uvicorn on a free loopback port from a background
thread (its own event loop), so the browser, the signaling and the WebRTC stream all run for real.
`launch_chromium` starts Debian's system Chromium through Playwright (no downloaded browser builds).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from holoshop.config import Settings
from holoshop.server import create_app
from tests.net import free_port

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "TRANSFER_BUDGET_BYTES",
    "chromium_available",
    "end_session",
    "launch_chromium",
    "running_server",
    "small_settings",
    "transfer_bytes",
    "wait_for_live_video",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
)
READY_TIMEOUT_S = 60.0
TRANSFER_BUDGET_BYTES = 100_000  # the page, its scripts and styles and its API calls, media excluded

# True once the <video> shows decoded frames of the stream at its full size. `videoWidth` is the
# decoded size (the server's 640 by default); the element's layout size does not matter.
LIVE_VIDEO_JS = """(width) => {
  const v = document.getElementById("video");
  return v.readyState >= 2 && v.currentTime > 0 && (!width || v.videoWidth === width);
}"""

# Bytes on the wire for everything the page fetched except the media stream (WebRTC media does not
# go through the network stack, so it is not a resource entry). transferSize includes headers and
# is 0 for cache hits; encodedBodySize is the compressed body. The larger of the two is counted.
TRANSFER_JS = """() => {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ];
  return entries.map((e) => ({ name: e.name, transfer: e.transferSize, body: e.encodedBodySize }));
}"""


def small_settings(**overrides: Any) -> Settings:
    """A small, fast showroom, with every value that matters explicit so HOLOSHOP_* cannot leak in."""
    values: dict[str, Any] = {
        "width": 640,
        "height": 360,
        "fps": 30,
        "models_dir": None,
        "layout": None,
        "environment": "studio",
        "max_texture_size": 256,
    }
    values.update(overrides)
    return Settings(**values)


def chromium_available() -> bool:
    return CHROMIUM.is_file()


def _readyz(base_url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:  # not listening yet
        return 0, str(exc)


@contextmanager
def running_server(settings: Settings, timeout: float = READY_TIMEOUT_S) -> Iterator[str]:
    """Serve `create_app(settings)` on a free loopback port; yields the base URL once /readyz is 200."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()  # the thread's own loop; uvicorn skips signals off the main thread
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve())
        except BaseException as exc:  # reported to the waiting thread, not lost in this one
            failure.append(exc)
        finally:
            with suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=serve, name=f"holoshop-server-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            status, body = _readyz(base_url)
            if status == 200:
                break
            if status == 503 and json.loads(body).get("status") == "error":
                raise RuntimeError(f"the server failed to start: {body}")
            if not thread.is_alive():
                raise RuntimeError(f"the server thread exited before it was ready: {failure or body}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{base_url}/readyz not ready after {timeout:.0f} s: {status} {body}")
            time.sleep(0.1)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=10)


def end_session(base_url: str, session_id: str) -> None:
    """DELETE a session: frees the server's renderer at once (a closed page's viewer otherwise stays
    attached until the server notices the peer has gone). An already ended session is fine."""
    request = urllib.request.Request(f"{base_url}/rtc/sessions/{session_id}", method="DELETE")
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise


def launch_chromium(playwright: Playwright, extra_args: tuple[str, ...] = ()) -> Browser:
    """Headless system Chromium. Playwright gives each launch a fresh temporary --user-data-dir
    (and deletes it on close); it refuses one passed in `args`, so none is. `extra_args`: e.g. a
    fake camera playing a Y4M file."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])


@contextmanager
def chromium_browser(extra_args: tuple[str, ...] = ()) -> Iterator[Browser]:
    """A headless Chromium for a module's tests, closed after them."""
    assert chromium_available(), "no Chromium at /usr/bin/chromium: run `make install`"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, extra_args)
        yield browser
        browser.close()


def catalog_products(base_url: str, at_least: int = 1) -> list[dict[str, Any]]:
    """The server's product list (`GET /api/products`), as the page reads it."""
    with urllib.request.urlopen(f"{base_url}/api/products", timeout=10) as response:
        items: list[dict[str, Any]] = json.load(response)
    assert len(items) >= at_least, items
    return items


def wait_for_live_video(page: Page, width: int | None = None, timeout_s: float = 20.0) -> None:
    """Wait until the page's <video> plays decoded frames (of `width` pixels, when given)."""
    page.wait_for_function(LIVE_VIDEO_JS, arg=width or 0, timeout=timeout_s * 1000, polling=100)


def transfer_bytes(page: Page) -> tuple[int, dict[str, int]]:
    """Total bytes the page fetched (document, scripts, styles, API calls; not the media stream)."""
    sizes: dict[str, int] = {}
    for entry in page.evaluate(TRANSFER_JS):
        size = max(int(entry["transfer"]), int(entry["body"]))
        sizes[entry["name"]] = sizes.get(entry["name"], 0) + size
    return sum(sizes.values()), sizes
