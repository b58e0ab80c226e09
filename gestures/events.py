"""Typed gesture events: what the render node turns into showroom actions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from gestures.landmarks import Handedness
from gestures.static import StaticGesture

__all__ = ["DynamicGesture", "Phase", "GestureEvent"]

DynamicGesture = Literal[
    "swipe_left", "swipe_right", "swipe_up", "swipe_down", "pinch_zoom", "grab_drag", "dwell"
]
Phase = Literal["start", "update", "end"]


@dataclass(frozen=True)
class GestureEvent:
    """One recognised gesture.

    Static gestures fire once when a hand settles into them. Swipes and dwell fire once. Pinch-zoom
    and grab-drag are continuous: `start`, `update`s, `end`. Positions and directions are in the
    user's view (as in a mirror, x from 0 at the left to 1 at the right, y down), whatever the
    camera: a swipe to the user's left is `swipe_left`.
    """

    name: StaticGesture | DynamicGesture
    confidence: float
    hand: Handedness
    timestamp_ms: int
    phase: Phase | None = None
    scale: float | None = None  # pinch_zoom: hands' distance now over at the start (>1 zooms in)
    dx: float | None = None  # grab_drag: movement since the previous update, fractions of the frame
    dy: float | None = None
    x: float | None = None  # dwell: where the index tip rests, fractions of the frame
    y: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data, without the fields it does not use."""
        return {k: v for k, v in asdict(self).items() if v is not None}
