"""A viewer's camera track, analysed for hand gestures off the event loop at a bounded rate.

Latency over smoothness: at most one frame is being analysed at a time, on a worker thread of its
own; a frame that arrives while one is in analysis, or sooner than the rate limit allows, is
dropped (counted), never queued, so an answer is always about the newest frame the analyzer could
take. The track is drained continuously either way: aiortc's receive queue is unbounded, and a
consumer that paused would make it grow and serve stale frames.

Frames are never stored or logged: each one is converted, analysed and let go on the worker
thread; only counts and timings leave it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import time
from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from render_node.camera_analysis import AnalyzerFactory, FrameAnalysis, FrameAnalyzer, Rgb
from render_node.metrics import StreamMetrics

__all__ = ["DEFAULT_GESTURE_FPS", "MAX_ANALYSIS_SIZE", "CameraConsumer", "Deliver", "to_rgb"]

log = logging.getLogger(__name__)

# MediaPipe's video mode tracks each hand from the previous frame's landmarks: the longer the gap,
# the worse the next crop. At 12.5 analyses a second the shared thumbs-up video drifts to `point`;
# at 25 it holds. A busy analyzer still drops frames rather than queue them.
DEFAULT_GESTURE_FPS = 25.0
MAX_ANALYSIS_SIZE = (640, 480)  # hand landmarks need no more; larger frames are scaled down
QUIET_AFTER_S = 0.5  # no camera frame for this long: the hand is reported gone (cursor off)
_RATE_SLACK = 0.2  # a frame up to this fraction of the interval early still counts: camera jitter

Deliver = Callable[[FrameAnalysis, float], None]
"""Called on the event loop with an analysis and the perf_counter time its frame arrived."""


def to_rgb(frame: av.VideoFrame, max_size: tuple[int, int] = MAX_ANALYSIS_SIZE) -> Rgb:
    """The frame as RGB pixels no larger than max_size, keeping its aspect (even sides for codecs)."""
    width, height = frame.width, frame.height
    scale = min(1.0, max_size[0] / width, max_size[1] / height)
    if scale < 1.0:
        width, height = max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
    rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    return np.ascontiguousarray(rgb, dtype=np.uint8)


class CameraConsumer:
    """Pulls frames from one camera track and hands analyses back to the session's loop."""

    def __init__(
        self,
        track: MediaStreamTrack,
        analyzer: AnalyzerFactory,
        deliver: Deliver,
        metrics: StreamMetrics,
        *,
        max_fps: float = DEFAULT_GESTURE_FPS,
        max_size: tuple[int, int] = MAX_ANALYSIS_SIZE,
        quiet_after_s: float = QUIET_AFTER_S,
        clock: Callable[[], float] = time.perf_counter,
        name: str = "camera",
    ) -> None:
        if not max_fps > 0:
            raise ValueError(f"max_fps must be positive, got {max_fps}")
        self._track = track
        self._make_analyzer = analyzer
        self._analyzer: FrameAnalyzer | None = (
            None  # made on the worker at the first frame: most viewers never turn the camera on
        )
        self._deliver = deliver
        self._metrics = metrics
        self._interval = 1.0 / max_fps
        self._max_size = max_size
        self._quiet_after_s = quiet_after_s
        self._clock = clock
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"gestures-{name}")
        self._task: asyncio.Task[None] | None = None
        self._busy = False
        self._last_start: float | None = None
        self._origin = clock()
        self._last_ms = -1
        self._quiet = True  # nothing reported yet, so nothing to take back
        self._live = False  # frames are arriving: counted in the cameras gauge
        self._stopped = False
        self.analysed = 0
        self.dropped_busy = 0
        self.dropped_rate = 0
        self.failed = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._pull(), name="camera-consumer")

    def stop(self) -> None:
        """Stop pulling; an analysis in flight finishes on its thread and its answer is dropped."""
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
        self._set_live(False)
        # The analyzer's models are released on its own thread, after any analysis in flight.
        self._executor.submit(self._close_analyzer)
        self._executor.shutdown(wait=False)

    def _close_analyzer(self) -> None:
        if self._analyzer is not None:
            self._analyzer.close()
            self._analyzer = None

    async def wait_stopped(self) -> None:
        """Until the pulling task has ended (tests, orderly shutdown)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def busy(self) -> bool:
        return self._busy

    # -- on the event loop ---------------------------------------------------------------------
    async def _pull(self) -> None:
        try:
            while True:
                try:
                    frame = await asyncio.wait_for(self._track.recv(), self._quiet_after_s)
                except TimeoutError:
                    self._set_live(False)
                    self._hand_gone()  # the viewer stopped the camera (replaceTrack(null)) or froze
                    continue
                if isinstance(frame, av.VideoFrame):
                    self._set_live(True)
                    self._offer(frame, self._clock())
        except MediaStreamError:
            pass  # the track ended: the peer went away
        finally:
            self._set_live(False)
            self._hand_gone()

    def _offer(self, frame: av.VideoFrame, arrived: float) -> None:
        if self._busy:
            self.dropped_busy += 1
            self._metrics.camera_frames.labels("busy").inc()
            return
        if self._last_start is not None and arrived - self._last_start < self._interval * (1 - _RATE_SLACK):
            self.dropped_rate += 1
            self._metrics.camera_frames.labels("rate").inc()
            return
        self._busy = True
        self._last_start = arrived
        self._last_ms = max(self._last_ms + 1, int((arrived - self._origin) * 1000))
        try:
            work = self._executor.submit(self._analyse, frame, self._last_ms)
        except RuntimeError:  # stopped meanwhile
            self._busy = False
            return
        asyncio.wrap_future(work).add_done_callback(functools.partial(self._done, arrived))

    def _done(self, arrived: float, work: asyncio.Future[tuple[FrameAnalysis, float]]) -> None:
        self._busy = False
        if self._stopped or work.cancelled():
            return
        error = work.exception()
        if error is not None:
            # The type and a short reason only: never the frame, nor anything made of its pixels.
            self.failed += 1
            self._metrics.camera_frames.labels("failed").inc()
            log.warning("gesture analysis failed: %s: %.120s", type(error).__name__, error)
            return
        analysis, seconds = work.result()
        self.analysed += 1
        self._metrics.camera_frames.labels("analysed").inc()
        self._metrics.analysis_seconds.observe(seconds)
        self._quiet = False
        self._deliver(analysis, arrived)

    def _set_live(self, live: bool) -> None:
        if live != self._live:
            self._live = live
            self._metrics.cameras.inc() if live else self._metrics.cameras.dec()

    def _hand_gone(self) -> None:
        if not self._quiet and not self._stopped:
            self._quiet = True
            self._deliver(FrameAnalysis(), self._clock())

    # -- on the worker thread ------------------------------------------------------------------
    def _analyse(self, frame: av.VideoFrame, timestamp_ms: int) -> tuple[FrameAnalysis, float]:
        started = time.perf_counter()
        if self._analyzer is None:
            self._analyzer = self._make_analyzer()
        analysis = self._analyzer.analyze(to_rgb(frame, self._max_size), timestamp_ms)
        return analysis, time.perf_counter() - started
