"""Frame -> landmarks -> static gestures -> dynamic events: one recogniser per camera stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from gestures.dynamic import DynamicConfig, DynamicRecognizer
from gestures.events import GestureEvent
from gestures.landmarks import Hand, Handedness, HandLandmarker, MediapipeHands
from gestures.static import StaticGesture, StaticResult, classify_hand

__all__ = ["HandGesture", "FrameResult", "GestureRecognizer", "classify_hands"]


@dataclass(frozen=True)
class HandGesture:
    """One hand in one frame with its static gesture."""

    gesture: StaticGesture
    confidence: float
    handedness: Handedness
    hand: Hand = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gesture": self.gesture,
            "confidence": round(self.confidence, 3),
            "handedness": self.handedness,
        }


@dataclass(frozen=True)
class FrameResult:
    timestamp_ms: int
    hands: list[HandGesture]
    events: list[GestureEvent]


def classify_hands(hands: list[Hand], mirrored: bool = False) -> list[tuple[Hand, StaticResult]]:
    return [(hand, classify_hand(hand, mirrored)) for hand in hands]


class GestureRecognizer:
    """Feed it a camera stream's RGB frames in order; it answers hands and events per frame.

    Without a `landmarker` it builds MediaPipe in video mode (tracking, one pass per frame). The
    render node owns one per camera track and calls `process` off the event loop; `process_hands`
    is the same pipeline on landmarks already found (tests, recorded tracks).
    """

    def __init__(
        self,
        landmarker: HandLandmarker | None = None,
        *,
        mirrored: bool = False,
        config: DynamicConfig | None = None,
    ) -> None:
        self.landmarker = landmarker or MediapipeHands("video", mirrored=mirrored)
        self.mirrored = mirrored
        self.dynamic = DynamicRecognizer(config, mirrored=mirrored)

    def process(self, rgb: npt.NDArray[np.uint8], timestamp_ms: int) -> FrameResult:
        return self.process_hands(self.landmarker.detect(rgb, timestamp_ms), timestamp_ms)

    def process_hands(self, hands: list[Hand], timestamp_ms: int) -> FrameResult:
        classified = classify_hands(hands, self.mirrored)
        events = self.dynamic.update(classified, timestamp_ms)
        return FrameResult(
            timestamp_ms=timestamp_ms,
            hands=[HandGesture(r.gesture, r.confidence, h.handedness, h) for h, r in classified],
            events=events,
        )

    def close(self) -> None:
        self.landmarker.close()

    def __enter__(self) -> GestureRecognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
