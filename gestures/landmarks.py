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
    "RoiLandmarks",
    "RoiResult",
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


def _distinct(a: Hand, b: Hand) -> bool:
    """Two hands that may overlap but are not one hand twice: their boxes are not nearly the same,
    and their wrists and fingertips lie apart."""
    if _iou(a, b) >= OVERLAP_IOU:
        return False
    pa, pb = a.pixels()[:, :2], b.pixels()[:, :2]
    apart = float(np.linalg.norm(pa - pb, axis=1).mean())
    return apart >= OVERLAP_APART * min(a.size(), b.size())


def _beside(a: Hand, b: Hand) -> bool:
    """Whether hand `a` is about `b`'s size and touches `b`'s box grown by half its size: a hand
    the palm detector could have lost next to or behind `b` (hands elsewhere are the first pass's)."""
    if not 0.5 <= a.size() / b.size() <= 2.0:
        return False
    ax0, ay0, ax1, ay1 = a.bbox()
    bx0, by0, bx1, by1 = b.bbox()
    grow = 0.5 * b.size()
    return ax0 < bx1 + grow and bx0 - grow < ax1 and ay0 < by1 + grow and by0 - grow < ay1


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
    full-body photos), drops hands whose landmark model's presence on their own region is low (false
    hands on clothes), adds hands found on the landmark model run at a person's wrists (MediaPipe
    Pose: small hands the palm detector misses), adds a hand found beside or half behind a kept one
    once the kept hands are painted out (overlapping hands) and, when nothing else is found, on the
    whole photo (a close-up hand too big for the palm detector). MediaPipe labels handedness as if
    the frame were mirrored (a selfie preview); `mirrored=False` (a raw camera frame or photo) swaps
    its label.
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
        self._pose: Any = None
        self._roi: RoiLandmarks | None = None
        if self.thorough:
            self._roi = RoiLandmarks()
            self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
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
        if self._pose is not None:
            self._pose.close()

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
        refined = [self._refine(rgb, hand) for hand in candidates]
        kept = merge_hands([hand for hand in refined if self._present(rgb, hand)], self.max_hands)
        for hand in self._at_wrists(rgb, small):
            if len(kept) < self.max_hands and not any(_same_hand(hand, k) for k in kept):
                kept = merge_hands([*kept, hand], self.max_hands)
        if 0 < len(kept) < self.max_hands:
            behind = self._behind(rgb, kept)[: self.max_hands - len(kept)]
            kept = sorted([*kept, *behind], key=lambda h: h.landmarks[0, 0])
        if not kept:
            kept = self._whole(rgb)
        return kept

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

    def _behind(self, rgb: npt.NDArray[np.uint8], kept: list[Hand]) -> list[Hand]:
        """Hands the palm detector missed beside (or half behind) the hands already kept: the kept
        hands are painted over with a blur of the photo (black would draw a hand-like shape) and the
        detector runs again. A new hand must pass the landmark model's re-check both on the painted
        photo and on the photo itself, and must not be one of the kept hands again."""
        import cv2

        h, w = rgb.shape[:2]
        painted = rgb.copy()
        for hand in kept:
            mask = np.zeros((h, w), np.uint8)
            cv2.fillConvexPoly(mask, cv2.convexHull(hand.pixels()[:, :2].astype(np.int32)), 255)
            k = int(hand.size()) | 1
            blurred = cv2.blur(rgb, (k, k))
            painted[mask > 0] = blurred[mask > 0]
        scale = min(1.0, self.max_side / max(h, w))
        small = _resize(painted, scale) if scale < 1.0 else painted
        candidates = [self._unscale(hand, (w, h)) for hand in self._run(self._solution, small)]
        candidates += self._extra_passes(self._solution, small, (w, h))
        assert self._roi is not None
        found: list[Hand] = []
        for hand in sorted(candidates, key=lambda c: -c.score):
            if any(not _distinct(hand, k) for k in [*kept, *found]):
                continue
            if not any(_beside(hand, k) for k in kept):
                continue
            on_painted = self._roi.track(painted, hand.pixels())
            on_photo = self._roi.track(rgb, hand.pixels())
            if min(on_painted.presence, on_photo.presence) < VERIFY_PRESENCE:
                continue
            again = self._hand(on_photo, (w, h))
            if any(not _distinct(again, k) for k in kept):
                continue
            found.append(replace(hand, score=min(hand.score, on_photo.presence)))
        return found

    # -- the landmark model on regions of its own ------------------------------------------------

    def _present(self, rgb: npt.NDArray[np.uint8], hand: Hand) -> bool:
        """Whether the landmark model, run on the region this hand frames, still sees a hand there."""
        assert self._roi is not None
        return self._roi.track(rgb, hand.pixels()).presence >= VERIFY_PRESENCE

    def _hand(self, result: RoiResult, size: tuple[int, int]) -> Hand:
        w, h = size
        looks: Handedness = "right" if result.right > 0.5 else "left"
        return Hand(
            landmarks=result.points / np.array([w, h, w], dtype=np.float64),
            handedness=_flip(looks) if self.mirrored else looks,
            score=result.presence,
            image_size=size,
            world=result.world,
        )

    def _confirmed(self, rgb: npt.NDArray[np.uint8], first: RoiResult) -> Hand | None:
        """The hand in a region whose first look was sure, after two more looks on its own region."""
        if first.presence < ROI_PRESENCE:
            return None
        again = self._roi.track(rgb, first.points, 2) if self._roi is not None else first
        if again.presence < ROI_PRESENCE:
            return None
        h, w = rgb.shape[:2]
        return self._hand(again, (w, h))

    def _at_wrists(self, rgb: npt.NDArray[np.uint8], small: npt.NDArray[np.uint8]) -> list[Hand]:
        """Hands at the wrists of the person MediaPipe Pose finds (clearly seen wrists only)."""
        assert self._pose is not None and self._roi is not None
        result = self._pose.process(small)
        if not result.pose_landmarks:
            return []
        marks = result.pose_landmarks.landmark
        h, w = rgb.shape[:2]
        found = []
        for wrist, pinky, index in ((15, 17, 19), (16, 18, 20)):
            if marks[wrist].visibility < WRIST_VISIBILITY:
                continue
            at = np.array([[marks[i].x * w, marks[i].y * h] for i in (wrist, pinky, index)])
            reach = (at[1] + at[2]) / 2 - at[0]
            length = float(np.linalg.norm(reach))
            if length < 1.0:
                continue
            up = reach / length
            hand = self._confirmed(rgb, self._roi.run(rgb, at[0] + 1.2 * length * up, 5 * length, up))
            if hand is not None:
                found.append(hand)
        return found

    def _whole(self, rgb: npt.NDArray[np.uint8]) -> list[Hand]:
        """The landmark model on the photo's central square, upright: a hand filling the frame."""
        assert self._roi is not None
        h, w = rgb.shape[:2]
        first = self._roi.run(rgb, np.array([w / 2, h / 2]), min(w, h), np.array([0.0, -1.0]))
        hand = self._confirmed(rgb, first)
        return [] if hand is None else [hand]


# Presence the landmark model must give a detected hand on its own region to keep it; and a region
# found without the palm detector (wrists, the whole photo), on the first look and after refining.
# Tuned on the shared photos: real hands give 0.81 or more, a false hand on a shirt 0.09.
VERIFY_PRESENCE = 0.5
ROI_PRESENCE = 0.9
WRIST_VISIBILITY = 0.9
# A hand found after painting out the kept hands must differ from each of them this much: box IoU
# below OVERLAP_IOU and landmarks on average OVERLAP_APART hand sizes away (the hidden thumbs-up
# hand in the shared photos sits 0.27 away, re-detections of a kept hand 0.02 to 0.1).
OVERLAP_IOU = 0.5
OVERLAP_APART = 0.2


def _resize(rgb: npt.NDArray[np.uint8], scale: float) -> npt.NDArray[np.uint8]:
    import cv2

    h, w = rgb.shape[:2]
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(rgb, size, interpolation=interp), dtype=np.uint8)


_PALM_ROI = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18]  # the joints MediaPipe frames a tracked hand by
_INPUT = 224  # the landmark model's input side


@dataclass(frozen=True)
class RoiResult:
    """The landmark model's answer on one region: landmarks in image pixels (z like x), presence, and
    the probability that the hand looks like a right hand in the image."""

    points: FloatArray
    presence: float
    right: float
    world: FloatArray


class RoiLandmarks:
    """MediaPipe's hand landmark model (the .tflite in its wheel) run by OpenCV's DNN on any rotated
    square region: hands the palm detector misses can still be measured when a region is known
    (a close-up filling the photo, a person's wrist), and any hand can be re-checked (its presence)."""

    def __init__(self) -> None:
        from pathlib import Path

        import cv2
        import mediapipe as mp

        path = Path(mp.__file__).parent / "modules" / "hand_landmark" / "hand_landmark_full.tflite"
        self._net: Any = cv2.dnn.readNetFromTFLite(str(path))
        self._outputs = list(self._net.getUnconnectedOutLayersNames())

    def run(self, rgb: npt.NDArray[np.uint8], center: FloatArray, side: float, up: FloatArray) -> RoiResult:
        """Landmarks in the square of `side` pixels around `center` whose "up" is the unit vector `up`."""
        import cv2

        s = _INPUT / max(side, 1e-6)
        r = np.array([-up[1], up[0]])
        half = _INPUT / 2
        m = np.array(
            [
                [s * r[0], s * r[1], half - s * float(np.dot(center, r))],
                [-s * up[0], -s * up[1], half + s * float(np.dot(center, up))],
            ]
        )
        crop = cv2.warpAffine(
            rgb, m, (_INPUT, _INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
        blob = (np.asarray(crop, dtype=np.float32) / 255.0).transpose(2, 0, 1)[None].copy()
        self._net.setInput(blob)
        out = {
            name: np.asarray(v, dtype=np.float64)
            for name, v in zip(self._outputs, self._net.forward(self._outputs), strict=True)
        }
        lm = out["Identity"].reshape(21, 3)
        px = center + (lm[:, :1] - half) / s * r + (lm[:, 1:2] - half) / s * -up
        points = np.column_stack([px, lm[:, 2] / s])
        return RoiResult(
            points=points,
            presence=float(out["Identity_1"].ravel()[0]),
            right=float(out["Identity_2"].ravel()[0]),
            world=out["Identity_3"].reshape(21, 3),
        )

    def track(self, rgb: npt.NDArray[np.uint8], points: FloatArray, steps: int = 1) -> RoiResult:
        """Runs on the region MediaPipe would frame around `points` (pixels), `steps` times over."""
        result: RoiResult | None = None
        for _ in range(steps):
            center, side, up = roi_of(points)
            result = self.run(rgb, center, side, up)
            points = result.points
        assert result is not None
        return result


def roi_of(points: FloatArray) -> tuple[FloatArray, float, FloatArray]:
    """(center, side, up) of the region MediaPipe frames a hand by: turned so the palm points up,
    twice the palm's box, shifted a little toward the fingers."""
    p = points[:, :2]
    knuckles = ((p[5] + p[13]) / 2 + p[9]) / 2
    up = knuckles - p[0]
    up = up / max(float(np.linalg.norm(up)), 1e-9)
    r = np.array([-up[1], up[0]])
    sub = p[_PALM_ROI]
    a, b = sub @ r, sub @ up
    ca, cb = (a.min() + a.max()) / 2, (b.min() + b.max()) / 2
    side = 2.0 * max(float(a.max() - a.min()), float(b.max() - b.min()))
    center = ca * r + cb * up + 0.1 * side * up
    return center, side, up
