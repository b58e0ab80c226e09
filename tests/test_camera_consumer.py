"""The camera consumer: frames arriving while one is analysed are dropped (never queued), the rate
is bounded, frames are scaled down before analysis, and a quiet camera takes the hand cursor away.

The analyzer here is a deterministic stand-in that records what it is given: the real recogniser
is another package (`gestures/`) and is adapted to the FrameAnalyzer protocol when wired. The track
is a queue-fed aiortc MediaStreamTrack, so `recv()` behaves as a remote track's does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from render_node.camera_analysis import FrameAnalysis, GestureEvent, Rgb
from render_node.camera_consumer import CameraConsumer, to_rgb
from render_node.metrics import StreamMetrics

SWIPE = FrameAnalysis((GestureEvent("swipe_left", 0.9, "right"),), (0.5, 0.5))


class QueueTrack(MediaStreamTrack):
    """A remote camera: frames put in the queue come out of recv(); None ends the track."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[av.VideoFrame | None] = asyncio.Queue()

    async def recv(self) -> av.VideoFrame:
        item = await self.queue.get()
        if item is None:
            raise MediaStreamError
        return item


class RecordingAnalyzer:
    """Reports a swipe for every frame; blocks while `gate` is clear, to play a slow recogniser."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.seen: list[tuple[tuple[int, ...], int]] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def analyze(self, rgb: Rgb, timestamp_ms: int) -> FrameAnalysis:
        self.gate.wait(10)
        self.seen.append((rgb.shape, timestamp_ms))
        return SWIPE


def video_frame(width: int = 320, height: int = 240) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((height, width, 3), 90, np.uint8), format="rgb24")


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.005)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 20))


def test_frames_arriving_during_an_analysis_are_dropped_not_queued() -> None:
    async def scenario() -> None:
        track, analyzer, metrics = QueueTrack(), RecordingAnalyzer(), StreamMetrics()
        got: list[FrameAnalysis] = []
        consumer = CameraConsumer(track, lambda: analyzer, lambda a, _t: got.append(a), metrics, max_fps=1000)
        consumer.start()
        analyzer.gate.clear()  # the recogniser is slow
        await track.queue.put(video_frame())
        await until(lambda: consumer.busy)
        for _ in range(7):
            await track.queue.put(video_frame())
        await until(lambda: track.queue.empty())  # drained while busy, so nothing waits there
        await until(lambda: consumer.dropped_busy == 7)
        analyzer.gate.set()
        await until(lambda: len(got) == 1)
        await asyncio.sleep(0.05)
        assert len(analyzer.seen) == 1, "the seven frames were dropped, not analysed later"
        assert metrics.camera_frames.labels("busy")._value.get() == 7
        assert metrics.camera_frames.labels("analysed")._value.get() == 1
        assert got == [SWIPE]
        await track.queue.put(video_frame())  # idle again: the next frame is analysed
        await until(lambda: len(got) == 2)
        consumer.stop()
        await consumer.wait_stopped()

    run(scenario)


def test_the_analysis_rate_is_bounded() -> None:
    async def scenario() -> None:
        now = [0.0]
        track, analyzer = QueueTrack(), RecordingAnalyzer()
        consumer = CameraConsumer(
            track, lambda: analyzer, lambda a, t: None, StreamMetrics(), max_fps=10, clock=lambda: now[0]
        )
        consumer.start()
        for t in (0.0, 0.03, 0.06, 0.09, 0.12, 0.15, 0.2, 0.3):  # a 30 fps camera, then slower
            now[0] = t
            await track.queue.put(video_frame())
            await until(lambda: track.queue.empty() and not consumer.busy)
        assert consumer.analysed == 4  # at 0.0, 0.09 (within the slack of 0.1), 0.2, 0.3
        assert consumer.dropped_rate == 4 and consumer.dropped_busy == 0
        stamps = [ms for _, ms in analyzer.seen]
        assert stamps == sorted(set(stamps)), "timestamps increase strictly"
        consumer.stop()

    run(scenario)


def test_frames_are_scaled_down_to_at_most_640x480() -> None:
    assert to_rgb(video_frame(1280, 720)).shape == (360, 640, 3)
    assert to_rgb(video_frame(320, 240)).shape == (240, 320, 3)
    assert to_rgb(video_frame(480, 1280)).shape == (480, 180, 3)

    async def scenario() -> None:
        track, analyzer = QueueTrack(), RecordingAnalyzer()
        consumer = CameraConsumer(track, lambda: analyzer, lambda a, t: None, StreamMetrics())
        consumer.start()
        await track.queue.put(video_frame(1920, 1080))
        await until(lambda: consumer.analysed == 1)
        assert analyzer.seen[0][0] == (360, 640, 3)
        consumer.stop()
        await until(lambda: analyzer.closed)  # its models released on stop

    run(scenario)


def test_a_quiet_or_ended_camera_takes_the_hand_away() -> None:
    async def scenario() -> None:
        track, analyzer = QueueTrack(), RecordingAnalyzer()
        got: list[FrameAnalysis] = []
        consumer = CameraConsumer(
            track, lambda: analyzer, lambda a, _t: got.append(a), StreamMetrics(), quiet_after_s=0.1
        )
        consumer.start()
        await track.queue.put(video_frame())
        await until(lambda: len(got) == 2)  # the swipe, then, 0.1 s later, nobody
        assert got == [SWIPE, FrameAnalysis()]
        await asyncio.sleep(0.3)
        assert len(got) == 2, "said once, not every 0.1 s"
        await track.queue.put(video_frame())
        await until(lambda: len(got) == 3)
        await track.queue.put(None)  # the peer left
        await consumer.wait_stopped()
        assert got[-1] == FrameAnalysis()
        consumer.stop()

    run(scenario)


def test_a_failing_analyzer_is_counted_and_the_stream_goes_on() -> None:
    class Flaky:
        calls = 0

        def close(self) -> None:
            self.closed = True

        def analyze(self, rgb: Rgb, timestamp_ms: int) -> FrameAnalysis:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("model not ready")
            return SWIPE

    async def scenario() -> None:
        track = QueueTrack()
        got: list[FrameAnalysis] = []
        consumer = CameraConsumer(track, Flaky, lambda a, _t: got.append(a), StreamMetrics())
        consumer.start()
        for _ in range(2):
            await track.queue.put(video_frame())
            await until(lambda: track.queue.empty() and not consumer.busy)
            await asyncio.sleep(0.08)  # past the rate limit
        await until(lambda: got == [SWIPE])
        assert consumer.failed == 1
        consumer.stop()

    run(scenario)
