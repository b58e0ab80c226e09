"""The render node on its own: sessions start, follow their viewers' bitrate, end when idle."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from assets.demo_catalog import demo_products
from assets.environment import studio_environment
from render_node.ibl import prepare_environment
from render_node.node import NodeConfig, RenderNode
from render_node.offers import OfferError, ViewerOffer
from render_node.session import StreamSettings
from render_node.showroom_content import fit_products
from scenes.layout import default_layout
from tests.rtc_helpers import until

pytestmark = pytest.mark.slow  # real GL, real peers

LAYOUT = default_layout()
PRODUCTS = fit_products(demo_products()[:3], LAYOUT)
ENVIRONMENT = prepare_environment(studio_environment(128))


def node_with(**config: object) -> RenderNode:
    stream = StreamSettings(width=160, height=90, fps=30, bitrate=1_000_000, min_bitrate=300_000)
    return RenderNode(PRODUCTS, LAYOUT, ENVIRONMENT, NodeConfig(stream=stream, **config))  # type: ignore[arg-type]


async def connect(
    node: RenderNode, session_id: str | None = None
) -> tuple[RTCPeerConnection, str, list[int]]:
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("input")
    frames: list[int] = []

    @pc.on("track")
    def on_track(track: object) -> None:
        async def pump() -> None:
            while True:
                await track.recv()  # type: ignore[attr-defined]
                frames.append(1)

        asyncio.ensure_future(pump())

    await pc.setLocalDescription(await pc.createOffer())
    answer = await node.offer(ViewerOffer(pc.localDescription.sdp, session_id=session_id))
    await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
    return pc, answer.session_id, frames


def run(scenario: Callable[[RenderNode], Awaitable[None]], **config: object) -> None:
    async def main() -> None:
        node = node_with(**config)
        await node.start()
        try:
            await scenario(node)
        finally:
            await node.close()

    asyncio.run(main())


def test_a_session_whose_viewer_leaves_is_reaped_after_the_idle_timeout() -> None:
    async def scenario(node: RenderNode) -> None:
        pc, session_id, frames = await connect(node)
        await until(lambda: len(frames) > 5)
        session = node.sessions[session_id]
        await pc.close()
        await until(lambda: not session.viewers)  # the node saw the peer go
        assert session.idle_since is not None
        assert await node.reap_idle(now=session.idle_since + 0.5) == [], "not idle long enough yet"
        assert await node.reap_idle(now=session.idle_since + node.config.idle_timeout_s + 1) == [session_id]
        assert node.sessions == {} and session.closed

    run(scenario, idle_timeout_s=10.0)


def test_bitrate_follows_the_lowest_receiver_estimate_within_bounds() -> None:
    async def scenario(node: RenderNode) -> None:
        pc, session_id, frames = await connect(node)
        try:
            await until(lambda: len(frames) > 5)
            session = node.sessions[session_id]
            viewer = session.viewers[0]
            viewer.track.estimated_bitrate = 100_000  # below the floor: clamped to min_bitrate
            encoder = session.encoder_for("h264")
            await until(lambda: encoder.bitrate == 300_000, timeout=10.0)
            frames_before = len(frames)
            await until(lambda: len(frames) > frames_before + 5)  # and the stream goes on
        finally:
            await pc.close()

    run(scenario)


def test_a_full_node_refuses_new_sessions_but_lets_viewers_join() -> None:
    async def scenario(node: RenderNode) -> None:
        pc, session_id, _ = await connect(node)
        try:
            with pytest.raises(OfferError) as refused:
                await connect(node)
            assert refused.value.status == 503 and "full" in refused.value.reason
            second, joined, frames = await connect(node, session_id)
            assert joined == session_id
            await until(lambda: len(frames) > 3)
            await second.close()
        finally:
            await pc.close()

    run(scenario, max_sessions=1)


def test_a_frame_that_answers_input_is_followed_at_once_by_a_repeat() -> None:
    """The repeat lets receivers that finish a frame on the next one's arrival show it now."""

    async def scenario(node: RenderNode) -> None:
        pc, session_id, frames = await connect(node)
        try:
            await until(lambda: len(frames) > 5)
            session = node.sessions[session_id]
            encoder = session.encoder_for("h264")
            extra = encoder.frames - session.frames_encoded
            assert extra == 0, "no input yet: one encode per rendered frame"
            assert session.handle_input('{"type":"key","key":"ArrowRight"}')
            await until(lambda: encoder.frames - session.frames_encoded == 1)
            assert not session.handle_input("junk"), "junk is refused and answers nothing"
            await asyncio.sleep(0.3)
            assert encoder.frames - session.frames_encoded == 1
        finally:
            await pc.close()

    run(scenario)
