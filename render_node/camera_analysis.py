"""What the render node needs of a hand-gesture recogniser, so it never imports `gestures/` directly.

The recogniser (issue 5, `gestures/`) is adapted to `FrameAnalyzer` where the node is wired up;
everything in render_node speaks only these types. The contract, so the adapter knows what to give:

- Coordinates are fractions of the camera frame, 0..1 from the top-left, **as the viewer sees
  themselves in a selfie view** (mirrored): moving the right hand to one's right increases x.
  Directions follow the same frame: `swipe_left` means the hand moved to the viewer's left.
  An adapter that only has raw camera coordinates flips x (and swaps left/right) once, there.
- Static gestures (open_palm, fist, point, pinch, thumbs_up, thumbs_down, victory) are reported in
  every analysed frame in which they are held; the render node debounces them (a held thumbs up
  adds to the cart once).
- Dynamic gestures: swipes and `dwell` once, when they complete; `pinch_zoom` and `grab_drag` in
  each analysed frame while they go on, with values relative to the previous report of that hand:
  `pinch_zoom` (scale,) above 1 when the fingers open, `grab_drag` (dx, dy) in frame fractions.
  `dwell` and `point` carry (x, y): where the hand rested or points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np
import numpy.typing as npt

__all__ = [
    "DYNAMIC_GESTURES",
    "GESTURE_NAMES",
    "STATIC_GESTURES",
    "AnalyzerFactory",
    "FrameAnalysis",
    "FrameAnalyzer",
    "GestureEvent",
    "GestureName",
    "Hand",
    "Rgb",
]

GestureName = Literal[
    "open_palm",
    "fist",
    "point",
    "pinch",
    "thumbs_up",
    "thumbs_down",
    "victory",
    "swipe_left",
    "swipe_right",
    "swipe_up",
    "swipe_down",
    "pinch_zoom",
    "grab_drag",
    "dwell",
]
GESTURE_NAMES: tuple[GestureName, ...] = get_args(GestureName)
STATIC_GESTURES: frozenset[GestureName] = frozenset(
    ("open_palm", "fist", "point", "pinch", "thumbs_up", "thumbs_down", "victory")
)
DYNAMIC_GESTURES: frozenset[GestureName] = frozenset(GESTURE_NAMES) - STATIC_GESTURES
Hand = Literal["left", "right"]
Rgb = npt.NDArray[np.uint8]  # height x width x 3


@dataclass(frozen=True)
class GestureEvent:
    """One recognised gesture of one hand in one analysed frame."""

    name: GestureName
    confidence: float  # 0..1
    hand: Hand
    value: tuple[float, ...] = ()  # pinch_zoom: (scale,); grab_drag: (dx, dy); point/dwell: (x, y)


@dataclass(frozen=True)
class FrameAnalysis:
    events: tuple[GestureEvent, ...] = ()
    pointer: tuple[float, float] | None = None  # where the index finger points; None: no hand seen


class FrameAnalyzer(Protocol):
    """One per camera stream (recognisers keep temporal state); called from one worker thread."""

    def analyze(self, rgb: Rgb, timestamp_ms: int) -> FrameAnalysis:
        """Analyse one frame; timestamps increase strictly within a stream."""
        ...

    def close(self) -> None:
        """Release what the analyzer holds (models, threads) when its stream ends."""
        ...


AnalyzerFactory = Callable[[], FrameAnalyzer]
"""Makes the analyzer for a new camera stream; the node has none by default (no gestures)."""
