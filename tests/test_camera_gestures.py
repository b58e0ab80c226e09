"""Shopping with one's hands over real WebRTC: an aiortc viewer sends a camera (a real video file,
played by aiortc's MediaPlayer) while it receives the showroom; the node analyses it and a swipe
moves the focus, with a `gesture` message back to that viewer and a hand cursor in the picture.

The node's analyzer is a scripted stand-in: the real recogniser is another package (`gestures/`)
and is adapted to render_node's FrameAnalyzer protocol where it is wired. Everything else here,
the peers, the consumer, the router, the session, the renderer, is the real thing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription

from assets.demo_catalog import demo_products
from assets.environment import studio_environment
from render_node.camera_analysis import GESTURE_NAMES, FrameAnalysis, GestureEvent, Rgb
from render_node.gesture_analyzer import RecognizerAnalyzer
from render_node.ibl import prepare_environment
from render_node.node import NodeConfig, RenderNode
from render_node.offers import ViewerOffer
from render_node.session import StreamSettings
from render_node.showroom_content import fit_products
from scenes.layout import default_layout
from tests.rtc_helpers import until

pytestmark = pytest.mark.slow  # real GL, real peers, a real video file

VIDEO = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "video"
    / "mps_gesture_recognizer_test_video.mp4"
)
LAYOUT = default_layout()
PRODUCTS = fit_products(demo_products()[:3], LAYOUT)
ENVIRONMENT = prepare_environment(studio_environment(128))
STREAM = StreamSettings(width=160, height=90, fps=30, bitrate=800_000, min_bitrate=300_000)


class ScriptedAnalyzer:
    """A swipe to the left in the first frame it is given, then a hand pointing at the middle."""

    made: list[ScriptedAnalyzer] = []

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []
        self.stamps: list[int] = []
        ScriptedAnalyzer.made.append(self)

    def close(self) -> None:
        self.closed = True

    def analyze(self, rgb: Rgb, timestamp_ms: int) -> FrameAnalysis:
        self.shapes.append(rgb.shape)
        self.stamps.append(timestamp_ms)
        if len(self.shapes) == 1:
            return FrameAnalysis((GestureEvent("swipe_left", 0.95, "right"),), (0.5, 0.4))
        return FrameAnalysis((GestureEvent("point", 0.9, "right", (0.5, 0.4)),), (0.5, 0.4))


class SmallCamera(MediaStreamTrack):
    """The file's 1280x720 frames at 320x180, as a phone's camera might send, to spare the CPU."""

    kind = "video"

    def __init__(self, source: MediaStreamTrack, size: tuple[int, int] = (320, 180)) -> None:
        super().__init__()
        self._source = source
        self._size = size

    async def recv(self) -> av.VideoFrame:
        frame = await self._source.recv()
        assert isinstance(frame, av.VideoFrame)
        small = frame.reformat(width=self._size[0], height=self._size[1], format="yuv420p")
        small.pts, small.time_base = frame.pts, frame.time_base
        return small


class Client:
    """A viewer: receives the showroom, sends its camera in a second (sendonly) video section."""

    def __init__(self, camera_size: tuple[int, int] = (320, 180)) -> None:
        self.pc = RTCPeerConnection()
        self.pc.addTransceiver("video", direction="recvonly")
        self.player = MediaPlayer(str(VIDEO), loop=True)
        assert self.player.video is not None
        camera = SmallCamera(self.player.video, camera_size)
        self.camera: RTCRtpTransceiver = self.pc.addTransceiver(camera, "sendonly")
        self.channel = self.pc.createDataChannel("input")
        self.messages: list[dict[str, Any]] = []
        self.frames = 0
        self.channel.on("message", lambda m: self.messages.append(json.loads(m)))
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        async def pump() -> None:
            try:
                while True:
                    await track.recv()
                    self.frames += 1
            except MediaStreamError:
                return

        asyncio.ensure_future(pump())

    async def connect(self, node: RenderNode) -> tuple[str, str]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await node.offer(ViewerOffer(self.pc.localDescription.sdp))
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        return answer.session_id, answer.sdp

    def first(self, kind: str, **fields: Any) -> dict[str, Any] | None:
        for m in self.messages:
            if m.get("type") == kind and all(m.get(k) == v for k, v in fields.items()):
                return m
        return None

    async def close(self) -> None:
        if self.player.video is not None:
            self.player.video.stop()
        await self.pc.close()


def run(scenario: Callable[[RenderNode], Awaitable[None]], **config: Any) -> None:
    async def main() -> None:
        node = RenderNode(PRODUCTS, LAYOUT, ENVIRONMENT, NodeConfig(stream=STREAM, **config))
        await node.start()
        try:
            await asyncio.wait_for(scenario(node), 90)
        finally:
            await node.close()

    asyncio.run(main())


def sample(node: RenderNode, metric: str, **labels: str) -> float:
    value = node.metrics.registry.get_sample_value(metric, labels or None)
    return 0.0 if value is None else value


def test_a_swipe_in_the_viewers_camera_moves_the_focus_and_is_told_back() -> None:
    ScriptedAnalyzer.made.clear()
    first, second = PRODUCTS[0].id, PRODUCTS[1].id

    async def scenario(node: RenderNode) -> None:
        client = Client()
        try:
            session_id, _ = await client.connect(node)
            session = node.sessions[session_id]
            await until(lambda: client.first("state", focused=first) is not None)
            await until(lambda: client.first("gesture") is not None)
            assert client.first("gesture") == {
                "type": "gesture",
                "v": 1,
                "name": "swipe_left",
                "confidence": 0.95,
                "hand": "right",
            }
            await until(lambda: client.first("state", focused=second) is not None)
            await until(lambda: session.hand_cursor is not None)
            # The showroom kept streaming to the viewer that sends its camera.
            received = client.frames
            await until(lambda: client.frames > received + 10)
            await until(lambda: sample(node, "holoshop_gesture_frames_total", result="analysed") >= 5)

            (analyzer,) = ScriptedAnalyzer.made  # one per camera, made at its first frame
            assert all(shape == (180, 320, 3) for shape in analyzer.shapes)
            assert analyzer.stamps == sorted(set(analyzer.stamps))
            # At most 10 analyses a second of a 25 fps camera: the rest dropped, none queued.
            assert sample(node, "holoshop_gesture_frames_total", result="rate") > 0
            assert sample(node, "holoshop_gesture_latency_seconds_count") == 1  # the one swipe
            latency = sample(node, "holoshop_gesture_latency_seconds_sum")
            print(f"camera frame to applied action: {latency * 1000:.1f} ms")
            assert 0 < latency < 1.0, latency
            assert sample(node, "holoshop_gestures_total", name="swipe_left") == 1
            assert sample(node, "holoshop_gesture_cameras") == 1

            # "Stop": the page replaces its camera track with nothing; the hand leaves the picture.
            client.camera.sender.replaceTrack(None)
            await until(lambda: session.hand_cursor is None, timeout=10)
            await until(lambda: sample(node, "holoshop_gesture_cameras") == 0)
            assert [m["name"] for m in client.messages if m["type"] == "gesture"] == ["swipe_left"]
        finally:
            await client.close()

    run(scenario, gesture_analyzer=ScriptedAnalyzer, gesture_fps=10.0)


def test_without_an_analyzer_the_camera_is_declined_and_the_showroom_still_streams() -> None:
    async def scenario(node: RenderNode) -> None:
        client = Client()
        try:
            session_id, answer = await client.connect(node)
            directions = [m.direction for m in SessionDescription.parse(answer).media if m.kind == "video"]
            assert directions == ["sendonly", "inactive"]
            await until(lambda: client.frames > 10)
            session = node.sessions[session_id]
            assert all(v.camera is None for v in session.viewers)
            assert sample(node, "holoshop_gesture_frames_total", result="analysed") == 0
        finally:
            await client.close()

    run(scenario)


def test_the_real_recogniser_turns_the_viewers_hand_into_showroom_changes() -> None:
    """MediaPipe and our classifier on the shared video (a fist, then a thumbs up held out to the
    camera), sent as the viewer's camera at 25 fps: recognised gestures come back as `gesture`
    messages and change the showroom (what is focused or inspected, or the cart)."""

    def shown(m: dict[str, Any]) -> tuple[Any, ...]:
        return (m.get("focused"), m.get("mode"), m.get("cart_count"))

    async def scenario(node: RenderNode) -> None:
        client = Client(camera_size=(640, 360))
        try:
            await client.connect(node)
            await until(lambda: client.first("state") is not None)
            client.channel.send(json.dumps({"type": "cart", "token": "camera-test-cart"}))
            first = client.first("state")
            assert first is not None
            try:
                await until(lambda: client.first("gesture") is not None, timeout=40)
            except TimeoutError:
                frames = {
                    r: sample(node, "holoshop_gesture_frames_total", result=r)
                    for r in ("analysed", "busy", "rate", "failed")
                }
                raise AssertionError(f"no gesture in 40 s; camera frames {frames}") from None
            told = [m for m in client.messages if m["type"] == "gesture"]
            assert all(m["name"] in GESTURE_NAMES and 0.5 <= m["confidence"] <= 1 for m in told), told
            changed = lambda: any(  # noqa: E731
                m["type"] == "state" and shown(m) != shown(first) for m in client.messages
            )
            await until(changed, timeout=30)
            count = sample(node, "holoshop_gesture_latency_seconds_count")
            latency = sample(node, "holoshop_gesture_latency_seconds_sum") / max(count, 1)
            names = [m["name"] for m in client.messages if m["type"] == "gesture"]
            print(f"gestures: {names}; camera frame to applied action: mean {latency * 1000:.1f} ms")
            assert count >= 1
        finally:
            await client.close()

    run(scenario, gesture_analyzer=RecognizerAnalyzer, gesture_fps=25.0)
