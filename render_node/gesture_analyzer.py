"""The `gestures/` recogniser as the render node's `FrameAnalyzer`: one per camera stream.

Translates between the two contracts (see camera_analysis.py): static gestures come from each
frame's hands (the recogniser's events announce them once, the router wants them while held),
pinch-zoom scales become changes since the previous report, and positions are put in the viewer's
mirrored view. Browser cameras send unmirrored frames, hence `mirrored=False` by default.

Each frame is detected afresh (MediaPipe's image mode) rather than tracked from the previous one:
the frames a render node analyses come with gaps (dropped while it was busy, or lost on the way),
and tracked landmarks drift across gaps. On the shared thumbs-up video, every other frame tracked
read as `point`; detected afresh, as `thumbs_up`, for about the same 16 ms a frame. The dynamic
gestures' own smoothing supplies the temporal steadiness.
"""

from __future__ import annotations

from gestures import events as recognised
from gestures.landmarks import INDEX, MediapipeHands
from gestures.recognizer import GestureRecognizer
from render_node.camera_analysis import (
    STATIC_GESTURES,
    FrameAnalysis,
    GestureEvent,
    GestureName,
    Rgb,
)

__all__ = ["RecognizerAnalyzer"]

_INDEX_TIP = INDEX[-1]


class RecognizerAnalyzer:
    def __init__(self, recognizer: GestureRecognizer | None = None, *, mirrored: bool = False) -> None:
        self._recognizer = recognizer or GestureRecognizer(MediapipeHands("image"), mirrored=mirrored)
        self._mirrored = mirrored
        self._zoom: dict[str, float] = {}  # per hand: the cumulative scale last reported

    def analyze(self, rgb: Rgb, timestamp_ms: int) -> FrameAnalysis:
        result = self._recognizer.process(rgb, timestamp_ms)
        events: list[GestureEvent] = []
        pointer: tuple[float, float] | None = None
        for hand in result.hands:
            tip = hand.hand.landmarks[_INDEX_TIP]
            where = (float(tip[0]) if self._mirrored else 1.0 - float(tip[0]), float(tip[1]))
            if pointer is None or hand.gesture == "point":
                pointer = where
            if hand.gesture in STATIC_GESTURES:
                name: GestureName = hand.gesture
                value = where if name == "point" else ()
                events.append(GestureEvent(name, hand.confidence, hand.handedness, value))
        events.extend(self._dynamic(e) for e in result.events if e.name not in STATIC_GESTURES)
        return FrameAnalysis(tuple(events), pointer)

    def _dynamic(self, event: recognised.GestureEvent) -> GestureEvent:
        value: tuple[float, ...] = ()
        if event.name == "pinch_zoom" and event.scale is not None:
            before = 1.0 if event.phase == "start" else self._zoom.get(event.hand, 1.0)
            self._zoom[event.hand] = event.scale
            value = (event.scale / before if before > 0 else 1.0,)
        elif event.name == "grab_drag" and event.dx is not None and event.dy is not None:
            value = (event.dx, event.dy)
        elif event.name == "dwell" and event.x is not None and event.y is not None:
            value = (event.x, event.y)
        name: GestureName = event.name  # type: ignore[assignment]  # the dynamic names are shared
        return GestureEvent(name, event.confidence, event.hand, value)

    def close(self) -> None:
        self._recognizer.close()
