"""Shopping with one's hands through the real page: headless Chromium with a fake camera playing a
shared video (converted to Y4M here), the page's "Shop with your hands" button, the real
recogniser on the server, and the gesture's effect shown back in the page."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser_harness import launch_chromium, running_server, small_settings, wait_for_live_video
from tests.y4m import write_y4m

pytestmark = pytest.mark.slow  # a real server, Chromium and MediaPipe

VIDEO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "video"


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("camera") / "thumbs.y4m"
    # 640x360 keeps the video's 16:9: a squashed hand reads differently.
    assert write_y4m(VIDEO / "mps_gesture_recognizer_test_video.mp4", target, 640, 360) > 150
    return target


@pytest.fixture(scope="module")
def page_and_url(camera_file: Path) -> Iterator[tuple[Page, str]]:
    fake_camera = (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_file}",
    )
    with running_server(small_settings()) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera)
        context = browser.new_context(viewport={"width": 960, "height": 540})
        context.grant_permissions(["camera"], origin=url)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page, url
        finally:
            context.close()
            browser.close()


def test_the_camera_is_opt_in_and_a_thumbs_up_fills_the_cart(page_and_url: tuple[Page, str]) -> None:
    page, url = page_and_url
    page.goto(f"{url}/")
    wait_for_live_video(page, 640, timeout_s=30)
    page.wait_for_function("() => !document.getElementById('hands').hidden")
    assert page.is_hidden("#camera-live"), "no camera before the shopper asks for it"
    page.click("#hands")
    page.wait_for_function("() => !document.getElementById('camera-live').hidden")
    # The video shows a fist, then a thumbs up: the server recognises it and adds to the cart.
    page.wait_for_function("() => document.getElementById('badge').textContent === '1'", timeout=60_000)
    token = page.evaluate("() => localStorage.getItem('holoshop-cart')")
    assert token, "the page keeps its cart token"
    with urllib.request.urlopen(f"{url}/api/carts/{token}", timeout=10) as response:
        assert json.load(response)["count"] == 1, "the shop's own cart holds what the thumbs up added"
    page.click("#camera-stop")
    page.wait_for_function("() => document.getElementById('camera-live').hidden")
