"""End to end over real WebRTC: a Python viewer (aiortc) against a running server on loopback."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from assets.demo_catalog import demo_products
from holoshop.config import Settings
from tests.browser_harness import running_server
from tests.rtc_helpers import Viewer, connect_viewer

pytestmark = pytest.mark.slow  # real WebRTC sessions: seconds each

SETTINGS = Settings(
    width=320, height=180, fps=30, models_dir=None, layout=None, environment="studio", max_texture_size=128
)
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


def metrics(base_url: str) -> dict[str, float]:
    text = httpx.get(f"{base_url}/metrics").text
    return {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^(holoshop_\S+) ([0-9.e+-]+)$", text, re.MULTILINE)
    }


def changed(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    return float((np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > 12).mean())


async def newest_after(viewer: Viewer, moment: float, timeout: float = 10.0) -> np.ndarray[Any, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        late = [f for t, f in viewer.frames if t > moment]
        if len(late) >= 15:  # give the camera time to travel
            return late[-1]
        await asyncio.sleep(0.05)
    raise TimeoutError("no new frames")


def test_viewer_sees_the_showroom_live_and_drives_it(base_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            viewer = await connect_viewer(poster(http, base_url))
            try:
                assert viewer.answer["codec"] == "h264" and viewer.answer["width"] == 320
                await viewer.wait_frames(20)
                first = viewer.frames[-1][1]
                assert first.shape == (180, 320, 3)
                assert first.mean() > 15, "the picture is black"
                assert first.std() > 10, "the picture is one flat colour"
                await asyncio.sleep(1.0)
                assert changed(first, viewer.frames[-1][1]) > 0.002, (
                    "the picture is frozen (turntable stopped)"
                )
                state = await viewer.wait_state(lambda s: s["focused"] == FIRST)
                assert state["mode"] == "browse" and state["product"]["price_minor"] > 0

                before = viewer.frames[-1][1]
                pressed = asyncio.get_running_loop().time()
                viewer.send({"type": "key", "key": "ArrowRight"})
                await viewer.wait_state(lambda s: s["focused"] == SECOND)
                after = await newest_after(viewer, pressed)
                assert changed(before, after) > 0.2, "the picture did not follow the new focus"

                viewer.send({"type": "key", "key": "Enter"})
                await viewer.wait_state(lambda s: s["mode"] == "inspect")
            finally:
                await viewer.close()

    asyncio.run(scenario())


def test_junk_on_the_data_channel_is_dropped_counted_and_harmless(base_url: str) -> None:
    rejected_before = metrics(base_url).get('holoshop_input_messages_total{result="rejected"}', 0.0)

    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            viewer = await connect_viewer(poster(http, base_url))
            try:
                await viewer.wait_frames(5)
                junks: list[str | bytes] = [
                    "junk",
                    "{",
                    "[]",
                    '{"type":"key","key":"F13"}',
                    '{"type":"pointer","action":"down","x":7,"y":0}',
                    '{"type":"key","key":"ArrowRight","extra":1}',
                    "x" * 5000,
                    b"\xff\xfe\x00",
                ]
                for junk in junks:
                    viewer.channel.send(junk)
                viewer.send({"type": "key", "key": "ArrowRight"})
                await viewer.wait_state(lambda s: s["focused"] == SECOND)
                count = len(viewer.frames)
                await asyncio.sleep(0.5)
                assert len(viewer.frames) > count, "frames stopped after junk input"
            finally:
                await viewer.close()

    asyncio.run(scenario())
    rejected = metrics(base_url)['holoshop_input_messages_total{result="rejected"}'] - rejected_before
    assert rejected == 8


def test_a_second_viewer_shares_the_render_and_the_encode(base_url: str) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            post = poster(http, base_url)
            first = await connect_viewer(post)
            await first.wait_frames(5)
            second = await connect_viewer(post, session_id=first.answer["session_id"])
            try:
                assert second.answer["session_id"] == first.answer["session_id"]
                await second.wait_frames(10)
                await first.wait_frames(len(first.frames) + 10)
                # Input from either viewer drives the one shared showroom.
                second.send({"type": "key", "key": "ArrowRight"})
                await first.wait_state(lambda s: s["focused"] == SECOND)
                m = metrics(base_url)
                rendered = m["holoshop_frames_rendered_total"]
                encoded = m['holoshop_frames_encoded_total{codec="h264"}']
                assert encoded <= rendered, "each rendered frame is encoded once, not once per viewer"
                assert m["holoshop_viewers"] == 2
                # Ending the session disconnects both.
                ended = await http.delete(f"{base_url}/rtc/sessions/{first.answer['session_id']}")
                assert ended.status_code == 204
                assert metrics(base_url)["holoshop_viewers"] == 0
            finally:
                await first.close()
                await second.close()

    asyncio.run(scenario())
