"""Hands as 21 landmarks, and the MediaPipe detector that finds them in RGB frames.

`Hand` is plain data so the classifiers test on recorded or synthetic landmarks; MediaPipe is
imported only when a `MediapipeHands` is built, so importing the rest of `gestures` stays light.
The hand models ship inside the mediapipe 0.10.14 wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "Handedness",
    "Hand",
    "HandLandmarker",
    "MediapipeHands",
    "WRIST",
    "THUMB",
    "INDEX",
    "MIDDLE",
    "RING",
    "PINKY",
]

Handedness = Literal["left", "right"]
FloatArray = npt.NDArray[np.float64]

# MediaPipe's 21-point hand: the wrist, then four joints per finger from the palm outwards.
WRIST = 0
THUMB = (1, 2, 3, 4)
INDEX = (5, 6, 7, 8)
MIDDLE = (9, 10, 11, 12)
RING = (13, 14, 15, 16)
PINKY = (17, 18, 19, 20)


@dataclass(frozen=True)
class Hand:
    """One detected hand.

    `landmarks` is (21, 3): x and y as fractions of the image width and height (as MediaPipe gives
    them), z relative to the wrist at about x's scale. `handedness` is the person's own hand, already
    corrected for whether the frame was mirrored. `world` is MediaPipe's metric estimate (metres,
    origin near the hand's centre) when available.
    """

    landmarks: FloatArray
    handedness: Handedness
    score: float
    image_size: tuple[int, int]
    world: FloatArray | None = field(default=None, compare=False)

    def pixels(self) -> FloatArray:
        """Landmarks in pixels (z scaled like x), so angles and distances are not skewed by aspect."""
        w, h = self.image_size
        return self.landmarks * np.array([w, h, w], dtype=np.float64)

    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the landmarks in pixels."""
        p = self.pixels()
        return float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max())

    def size(self) -> float:
        """The longer side of the landmarks' box in pixels: a scale for distances."""
        x0, y0, x1, y1 = self.bbox()
        return max(x1 - x0, y1 - y0, 1e-6)


class HandLandmarker(Protocol):
    """Anything that turns an RGB frame into hands (MediaPipe here, a fake in tests)."""

    def detect(self, rgb: npt.NDArray[np.uint8], timestamp_ms: int | None = None) -> list[Hand]: ...

    def close(self) -> None: ...


def _flip(handedness: Handedness) -> Handedness:
    return "right" if handedness == "left" else "left"


def _iou(a: Hand, b: Hand) -> float:
    ax0, ay0, ax1, ay1 = a.bbox()
    bx0, by0, bx1, by1 = b.bbox()
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def _same_hand(a: Hand, b: Hand) -> bool:
    """Two detections of one hand: boxes overlap, or the palms sit close together."""
    if _iou(a, b) > 0.25:
        return True
    pa, pb = a.pixels()[[0, 5, 9, 13, 17], :2].mean(0), b.pixels()[[0, 5, 9, 13, 17], :2].mean(0)
    return float(np.linalg.norm(pa - pb)) < 0.35 * min(a.size(), b.size())


def merge_hands(candidates: Sequence[Hand], max_hands: int) -> list[Hand]:
    """Keeps the best-scoring detection of each distinct hand, at most `max_hands`."""
    kept: list[Hand] = []
    for hand in sorted(candidates, key=lambda h: -h.score):
        if not any(_same_hand(hand, k) for k in kept):
            kept.append(hand)
    return sorted(kept[:max_hands], key=lambda h: h.landmarks[0, 0])


class MediapipeHands:
    """MediaPipe's legacy Hands solution on the models bundled in its wheel.

    `mode="video"` tracks between frames (fast: palm detection only when a hand is lost) and wants
    increasing timestamps; `mode="image"` treats every frame as unrelated and, with
    `thorough=True`, searches harder: again inside a black border (the palm detector misses hands cut
    by the frame's edge), then refines each hand on an upscaled crop around it (small hands in
    full-body photos). MediaPipe labels handedness as if the frame were
    mirrored (a selfie preview); `mirrored=False` (a raw camera frame or photo) swaps its label.
    """

    def __init__(
        self,
        mode: Literal["image", "video"] = "video",
        *,
        max_hands: int = 2,
        model_complexity: int = 1,
        mirrored: bool = False,
        min_detection_confidence: float = 0.5,
        min_presence: float = 0.5,
        thorough: bool = False,
        max_side: int = 1280,
        borders: tuple[float, ...] = (0.1, 0.25),
    ) -> None:
        import mediapipe as mp  # lazy: heavy, and only needed when frames are analysed

        self.mode = mode
        self.max_hands = max_hands
        self.mirrored = mirrored
        self.thorough = thorough and mode == "image"
        self.max_side = max_side
        self.borders = borders
        self._solution: Any = mp.solutions.hands.Hands(
            static_image_mode=mode == "image",
            max_num_hands=max_hands,
            model_complexity=model_complexity,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_presence,
        )
        self._refiner: Any = None
        if self.thorough:
            self._refiner = mp.solutions.hands.Hands(
                static_image_mode=True,
                max_num_hands=1,
                model_complexity=model_complexity,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_presence,
            )

    def close(self) -> None:
        self._solution.close()
        if self._refiner is not None:
            self._refiner.close()

    def __enter__(self) -> MediapipeHands:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def detect(self, rgb: npt.NDArray[np.uint8], timestamp_ms: int | None = None) -> list[Hand]:
        """The hands in one RGB frame (H, W, 3), left to right in the image."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected an RGB frame (H, W, 3), got shape {rgb.shape}")
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = _resize(rgb, scale) if scale < 1.0 else rgb
        hands = [self._unscale(hand, (w, h)) for hand in self._run(self._solution, small)]
        if not self.thorough:
            return merge_hands(hands, self.max_hands)
        candidates = hands + self._extra_passes(self._solution, small, (w, h))
        return merge_hands([self._refine(rgb, hand) for hand in candidates], self.max_hands)

    # -- passes -----------------------------------------------------------------------------------

    def _run(self, solution: Any, rgb: npt.NDArray[np.uint8]) -> list[Hand]:
        result = solution.process(rgb)
        if not result.multi_hand_landmarks:
            return []
        h, w = rgb.shape[:2]
        worlds = result.multi_hand_world_landmarks or [None] * len(result.multi_hand_landmarks)
        hands = []
        for lms, world, cls in zip(
            result.multi_hand_landmarks, worlds, result.multi_handedness, strict=False
        ):
            label = cls.classification[0]
            side: Handedness = "left" if label.label == "Left" else "right"
            pts = np.array([[p.x, p.y, p.z] for p in lms.landmark], dtype=np.float64)
            wpts = None if world is None else np.array([[p.x, p.y, p.z] for p in world.landmark], np.float64)
            hands.append(
                Hand(
                    landmarks=pts,
                    handedness=side if self.mirrored else _flip(side),
                    score=float(label.score),
                    image_size=(w, h),
                    world=wpts,
                )
            )
        return hands

    def _unscale(self, hand: Hand, size: tuple[int, int]) -> Hand:
        return replace(hand, image_size=size)

    def _in_window(
        self, rgb: npt.NDArray[np.uint8], box: tuple[float, float, float, float], out_side: int
    ) -> tuple[npt.NDArray[np.uint8], float, float, float]:
        """The window `box` (pixels, may leave the frame: padded with black) resized to `out_side`."""
        import cv2

        x0, y0, x1, y1 = box
        s = out_side / max(x1 - x0, y1 - y0)
        m = np.array([[s, 0.0, -x0 * s], [0.0, s, -y0 * s]], dtype=np.float64)
        interp = cv2.INTER_AREA if s < 1.0 else cv2.INTER_LINEAR
        warped = cv2.warpAffine(
            rgb, m, (out_side, out_side), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0)
        )
        window = np.asarray(warped, dtype=np.uint8)
        return window, x0, y0, s

    def _from_window(self, hand: Hand, x0: float, y0: float, s: float, size: tuple[int, int]) -> Hand:
        side = hand.image_size[0]
        px = hand.landmarks * side / s
        px[:, 0] += x0
        px[:, 1] += y0
        w, h = size
        return replace(hand, landmarks=px / np.array([w, h, w]), image_size=size)

    def _extra_passes(
        self,
        solution: Any,
        small: npt.NDArray[np.uint8],
        size: tuple[int, int],
    ) -> list[Hand]:
        """The frame inside black borders of a few widths: the palm detector misses hands cut by the
        frame's edge, and which border brings one back varies from photo to photo."""
        h, w = small.shape[:2]
        full = size[0] / w
        found: list[Hand] = []
        for border in self.borders:
            side = (1.0 + 2 * border) * max(w, h)
            bx, by = (w - side) / 2, (h - side) / 2
            window, x0, y0, s = self._in_window(small, (bx, by, bx + side, by + side), 512)
            for hand in self._run(solution, window):
                found.append(self._from_window(hand, x0 * full, y0 * full, s / full, size))
        return found

    def _refine(self, rgb: npt.NDArray[np.uint8], hand: Hand) -> Hand:
        """Landmarks again on an upscaled square crop around the hand (small hands in big photos get
        many more pixels); the first estimate stands when the crop finds nothing there."""
        x0, y0, x1, y1 = hand.bbox()
        cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 1.1 * max(x1 - x0, y1 - y0)
        window, wx, wy, s = self._in_window(rgb, (cx - half, cy - half, cx + half, cy + half), 384)
        again = self._run(self._refiner, window)
        if not again:
            return hand
        best = self._from_window(again[0], wx, wy, s, hand.image_size)
        if not _same_hand(best, hand):
            return hand
        return replace(best, score=max(best.score, hand.score))


def _resize(rgb: npt.NDArray[np.uint8], scale: float) -> npt.NDArray[np.uint8]:
    import cv2

    h, w = rgb.shape[:2]
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(rgb, size, interpolation=interp), dtype=np.uint8)
