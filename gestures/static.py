"""Static gestures of one hand from its 21 landmarks: pure geometry, no model, no image.

Finger extension comes from the bend at each joint (angles between bones), not from which tip is
higher in the image, so a gesture reads the same rotated, mirrored, near or far. Only thumbs up and
down look at the image's vertical, because that is what they mean. Thresholds were tuned on the
shared labelled photos (`../shared/data/hands`), never per file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from gestures.landmarks import INDEX, MIDDLE, PINKY, RING, THUMB, WRIST, Hand, Handedness

__all__ = [
    "StaticGesture",
    "STATIC_GESTURES",
    "HandFeatures",
    "StaticResult",
    "hand_features",
    "classify",
    "classify_hand",
]

StaticGesture = Literal["open_palm", "fist", "point", "pinch", "thumbs_up", "thumbs_down", "victory", "none"]
STATIC_GESTURES: tuple[StaticGesture, ...] = (
    "open_palm",
    "fist",
    "point",
    "pinch",
    "thumbs_up",
    "thumbs_down",
    "victory",
    "none",
)

FloatArray = npt.NDArray[np.float64]
FINGERS = (INDEX, MIDDLE, RING, PINKY)

# A finger counts as straight below STRAIGHT degrees of total bend and as curled above CURLED;
# between the two it is ambiguous and lowers the confidence of whatever gesture is read.
STRAIGHT = 60.0
CURLED = 110.0
PINCH_RATIO = 0.35  # thumb tip to index tip, over the palm's size
VERTICAL = 0.6  # |cos| of the thumb's angle to the image vertical for thumbs up or down
THUMB_OUT = (0.85, 1.05)  # thumb tip to middle MCP over palm size: folded below, sticking out above
# A hand hanging at the side (fingers down, back of the hand to the camera) is relaxed, not an open palm.
HANGING = (-0.5, -0.3)  # palm_up below the first and palm_facing below the second


@dataclass(frozen=True)
class HandFeatures:
    """What the rules look at, exposed so tests and the benchmark can explain a decision."""

    bend: tuple[float, float, float, float]  # total bend in degrees: index, middle, ring, pinky
    thumb_bend: float  # degrees, at the thumb's MCP and IP joints
    thumb_out: float  # thumb tip's distance from the middle finger's MCP, over the palm's size
    thumb_across: float  # thumb tip along index MCP -> pinky MCP (0 at the index, 1 at the pinky)
    thumb_vertical: float  # cosine of the thumb's direction to image up (+1 straight up)
    pinch: float  # thumb tip to index tip, over the palm's size
    palm_up: float  # cosine of wrist -> middle MCP to image up: -1 for a hand hanging down
    tip_reach: tuple[float, float, float, float]  # fingertip to wrist over PIP to wrist, per finger
    palm_facing: float  # palm normal's z: +1 palm to the camera, -1 its back (0 without handedness)


@dataclass(frozen=True)
class StaticResult:
    gesture: StaticGesture
    confidence: float
    features: HandFeatures


def _angle(a: FloatArray, b: FloatArray) -> float:
    """Angle in degrees between two vectors (0 when they point the same way)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < 1e-9 or nb < 1e-9:
        return 0.0
    c = float(np.dot(a, b)) / (na * nb)
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def _bend(p: FloatArray, chain: tuple[int, ...]) -> float:
    """Sum of the angles between successive bones along a chain of joints."""
    total = 0.0
    for i in range(len(chain) - 2):
        a, b, c = p[chain[i]], p[chain[i + 1]], p[chain[i + 2]]
        total += _angle(b - a, c - b)
    return total


def hand_features(points: FloatArray, handedness: Handedness | None = None) -> HandFeatures:
    """Features of a hand given as (21, 3) points in isotropic units (pixels, or metres); `handedness`
    is the hand as it looks in the image (a right hand in a mirrored frame looks left)."""
    p = np.asarray(points, dtype=np.float64)
    palm = float(
        np.mean(
            [
                np.linalg.norm(p[INDEX[0]] - p[WRIST]),
                np.linalg.norm(p[MIDDLE[0]] - p[WRIST]),
                np.linalg.norm(p[PINKY[0]] - p[WRIST]),
                np.linalg.norm(p[INDEX[0]] - p[PINKY[0]]),
            ]
        )
    )
    palm = max(palm, 1e-9)
    bend = tuple(_bend(p, (WRIST, *finger)) for finger in FINGERS)
    reach = tuple(
        float(np.linalg.norm(p[f[3]] - p[WRIST])) / max(float(np.linalg.norm(p[f[1]] - p[WRIST])), 1e-9)
        for f in FINGERS
    )
    knuckles = p[PINKY[0]] - p[INDEX[0]]
    across = float(np.dot(p[THUMB[3]] - p[INDEX[0]], knuckles) / max(float(np.dot(knuckles, knuckles)), 1e-9))
    thumb_dir = p[THUMB[3]] - p[THUMB[0]]
    up = float(-thumb_dir[1] / max(np.linalg.norm(thumb_dir[:2]), 1e-9))
    palm_dir = p[MIDDLE[0]] - p[WRIST]
    palm_up = float(-palm_dir[1] / max(np.linalg.norm(palm_dir[:2]), 1e-9))
    normal = np.cross(p[INDEX[0]] - p[WRIST], p[PINKY[0]] - p[WRIST])
    facing = float(normal[2] / max(float(np.linalg.norm(normal)), 1e-9))
    facing = 0.0 if handedness is None else facing if handedness == "left" else -facing
    return HandFeatures(
        bend=(bend[0], bend[1], bend[2], bend[3]),
        thumb_bend=_bend(p, (THUMB[0], THUMB[1], THUMB[2], THUMB[3])),
        thumb_out=float(np.linalg.norm(p[THUMB[3]] - p[MIDDLE[0]]) / palm),
        thumb_across=across,
        thumb_vertical=up,
        pinch=float(np.linalg.norm(p[THUMB[3]] - p[INDEX[3]]) / palm),
        palm_up=palm_up,
        tip_reach=(reach[0], reach[1], reach[2], reach[3]),
        palm_facing=facing,
    )


def _straightness(bend: float, reach: float) -> float:
    """1 for a clearly straight finger, 0 for a clearly curled one, in between when unsure."""
    by_angle = float(np.clip((CURLED - bend) / (CURLED - STRAIGHT), 0.0, 1.0))
    by_reach = float(np.clip((reach - 0.9) / (1.35 - 0.9), 0.0, 1.0))
    return 0.5 * (by_angle + by_reach)


def classify(points: FloatArray, handedness: Handedness | None = None) -> StaticResult:
    """The static gesture of one hand's (21, 3) isotropic points (y pointing down the image);
    `handedness` (as the hand looks in the image) lets it tell a palm from the back of a hand."""
    f = hand_features(points, handedness)
    s = [_straightness(b, r) for b, r in zip(f.bend, f.tip_reach, strict=True)]
    up = [x > 0.5 for x in s]
    # How sure each finger's state is: 1 at either extreme, 0 at the midpoint.
    sure = [abs(x - 0.5) * 2 for x in s]
    # The thumb sticks out of a fist (thumbs up/down) when its tip is well past the knuckles; it lies
    # across the palm ("four", a folded thumb) when its tip projects between index and pinky MCPs.
    thumb_out = float(np.clip((f.thumb_out - THUMB_OUT[0]) / (THUMB_OUT[1] - THUMB_OUT[0]), 0.0, 1.0))
    thumb_open = float(np.clip((0.2 - f.thumb_across) / 0.4, 0.0, 1.0))

    def conf(*parts: float) -> float:
        return float(np.clip(min(parts), 0.0, 1.0)) * 0.5 + 0.5

    index, middle, ring, pinky = up
    # Thumb and index tips together with the index not rolled into a fist (a fist's thumb can rest
    # on a curled index): a pinch, whatever the other fingers do (an "OK" sign pinches too).
    fist_like = not (middle or ring or pinky) and s[0] < 0.5 and thumb_out < 0.3
    if f.pinch < PINCH_RATIO and s[0] > 0.2 and not fist_like:
        closeness = float(np.clip((PINCH_RATIO - f.pinch) / PINCH_RATIO * 2, 0.0, 1.0))
        return StaticResult("pinch", conf(closeness), f)
    if not any(up):
        if thumb_out > 0.5 and thumb_open > 0.5 and abs(f.thumb_vertical) > VERTICAL:
            gesture: StaticGesture = "thumbs_up" if f.thumb_vertical > 0 else "thumbs_down"
            vert = (abs(f.thumb_vertical) - VERTICAL) / (1 - VERTICAL)
            return StaticResult(gesture, conf(*sure, 2 * thumb_out - 1, vert), f)
        return StaticResult("fist", conf(*sure, 1.0 - 2 * min(thumb_out, thumb_open)), f)
    if all(up):
        if f.palm_up < HANGING[0] and f.palm_facing < HANGING[1]:
            return StaticResult("none", conf(*sure), f)
        return StaticResult(
            "open_palm" if thumb_open > 0.5 else "none", conf(*sure, abs(2 * thumb_open - 1)), f
        )
    if up == [True, False, False, False]:
        return StaticResult("point", conf(*sure), f)
    if up == [True, True, False, False]:
        return StaticResult("victory", conf(*sure), f)
    return StaticResult("none", conf(*sure), f)


def classify_hand(hand: Hand, mirrored: bool = False) -> StaticResult:
    """`classify` on a detected hand's landmarks in pixels (so the image's aspect does not skew them);
    `mirrored`: the frame is a selfie view, so the person's right hand looks like a left one."""
    looks: Handedness = hand.handedness if not mirrored else "left" if hand.handedness == "right" else "right"
    return classify(hand.pixels(), looks)
