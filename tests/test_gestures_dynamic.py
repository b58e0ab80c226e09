"""Dynamic gestures on tracks built from real landmarks moved, scaled, jittered and dropped over time."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from gestures.dynamic import DynamicRecognizer
from gestures.events import GestureEvent
from gestures.landmarks import Hand, Handedness
from gestures.recognizer import classify_hands
from tests.gesture_data import one_hand

PALM = "open_palm/rpscv_KHfp6LJDEhqbcomR.png"
FIST = "fist/rpscv_00nKV8oHuTGi20gq.png"
POINT = "pointing_up/mp_pointing_up.jpg"
FRAME_MS = 33


def placed(base: Hand, x: float, y: float, size: float = 0.2, side: Handedness = "right") -> Hand:
    """`base` moved so its palm centre sits at (x, y) of a 640x480 frame, `size` of the frame wide."""
    p = base.pixels()
    p = p - p[[0, 5, 9, 17]].mean(axis=0)
    p = p / max(np.ptp(p[:, 0]), np.ptp(p[:, 1])) * size * 640
    p[:, 0] += x * 640
    p[:, 1] += y * 480
    return Hand(p / np.array([640, 480, 640]), side, 0.99, (640, 480))


def pinched(base: Hand) -> Hand:
    p = base.landmarks.copy()
    p[4] = p[8] + np.array([0.003, 0.0, 0.0])
    return Hand(p, base.handedness, base.score, base.image_size)


def run(
    frames: Iterable[list[Hand]],
    *,
    mirrored: bool = False,
    seed: int = 0,
    jitter: float = 0.0,
    drop: float = 0.0,
) -> list[GestureEvent]:
    """Feeds frames at 30 fps, adding landmark jitter (fraction of the frame) and dropped frames."""
    rng = np.random.default_rng(seed)
    rec = DynamicRecognizer(mirrored=mirrored)
    events: list[GestureEvent] = []
    for i, hands in enumerate(frames):
        if drop and rng.random() < drop:
            continue
        noisy = [
            Hand(h.landmarks + rng.normal(0, jitter, h.landmarks.shape), h.handedness, h.score, h.image_size)
            for h in hands
        ]
        events += rec.update(classify_hands(noisy), i * FRAME_MS)
    return events


def names(events: list[GestureEvent]) -> list[str]:
    return [e.name for e in events]


def hold(hand: Hand, frames: int) -> list[list[Hand]]:
    return [[hand]] * frames


def move(
    base: Hand, start: tuple[float, float], end: tuple[float, float], frames: int, size: float = 0.2
) -> list[list[Hand]]:
    out = []
    for k in range(frames):
        f = k / (frames - 1)
        x, y = start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f
        out.append([placed(base, x, y, size=size)])
    return out


@pytest.mark.parametrize(
    ("start", "end", "mirrored", "expected"),
    [
        ((0.75, 0.5), (0.25, 0.5), True, "swipe_left"),
        ((0.75, 0.5), (0.25, 0.5), False, "swipe_right"),  # a raw camera sees the user's right as left
        ((0.25, 0.5), (0.75, 0.5), True, "swipe_right"),
        ((0.5, 0.8), (0.5, 0.2), True, "swipe_up"),
        ((0.5, 0.2), (0.5, 0.8), False, "swipe_down"),
    ],
)
def test_a_fast_move_is_one_swipe(
    start: tuple[float, float], end: tuple[float, float], mirrored: bool, expected: str
) -> None:
    palm = one_hand(PALM)
    frames = hold(placed(palm, *start), 6) + move(palm, start, end, 8) + hold(placed(palm, *end), 20)
    events = [n for n in names(run(frames, mirrored=mirrored)) if n.startswith("swipe")]
    assert events == [expected]


@pytest.mark.parametrize("seed", range(4))
def test_jitter_and_dropped_frames_still_give_exactly_one_swipe(seed: int) -> None:
    palm = one_hand(PALM)
    frames = (
        hold(placed(palm, 0.7, 0.5), 10)
        + move(palm, (0.7, 0.5), (0.2, 0.5), 9)
        + hold(placed(palm, 0.2, 0.5), 30)
    )
    events = run(frames, mirrored=True, seed=seed, jitter=0.002, drop=0.15)
    assert [n for n in names(events) if n.startswith("swipe")] == ["swipe_left"]
    assert names(events).count("open_palm") == 1


def test_a_far_hand_swipes_like_a_near_one() -> None:
    palm = one_hand(PALM)
    frames = hold(placed(palm, 0.6, 0.5, 0.07), 6) + move(palm, (0.6, 0.5), (0.4, 0.5), 8, size=0.07)
    frames += hold(placed(palm, 0.4, 0.5, 0.07), 10)
    assert "swipe_left" in names(run(frames, mirrored=True))


def test_a_jittery_still_hand_fires_nothing_but_its_gesture() -> None:
    frames = hold(placed(one_hand(PALM), 0.5, 0.5), 90)
    assert names(run(frames, jitter=0.003, drop=0.2)) == ["open_palm"]


def test_slow_drift_is_not_a_swipe() -> None:
    palm = one_hand(PALM)
    assert not any(n.startswith("swipe") for n in names(run(move(palm, (0.3, 0.5), (0.7, 0.5), 120))))


def test_grab_drag_reports_deltas_then_ends() -> None:
    fist = one_hand(FIST)
    frames = (
        hold(placed(fist, 0.3, 0.5), 5)
        + move(fist, (0.3, 0.5), (0.6, 0.5), 40)
        + hold(placed(fist, 0.6, 0.5), 5)
    )
    frames += [[]] * 15  # hand gone: the drag ends
    events = [e for e in run(frames, mirrored=True, jitter=0.001) if e.name == "grab_drag"]
    assert events[0].phase == "start" and events[-1].phase == "end"
    total = sum(e.dx or 0.0 for e in events)
    assert 0.2 < total < 0.35  # the fist moved 0.3 of the frame to the right
    assert not any(n.startswith("swipe") for n in names(run(frames, mirrored=True)))


def test_two_hands_pinching_zoom_by_their_distance() -> None:
    palm = one_hand(PALM)
    frames = []
    for k in range(40):
        gap = 0.1 + 0.2 * min(1.0, max(0.0, (k - 10) / 20))
        left = pinched(placed(palm, 0.5 - gap, 0.5, side="left"))
        right = pinched(placed(palm, 0.5 + gap, 0.5, side="right"))
        frames.append([left, right])
    events = [e for e in run(frames + [[]] * 15) if e.name == "pinch_zoom"]
    assert events[0].phase == "start" and events[-1].phase == "end"
    scales = [e.scale for e in events if e.phase == "update" and e.scale is not None]
    assert scales == sorted(scales) and scales[-1] == pytest.approx(3.0, rel=0.15)
    assert not any(e.name == "grab_drag" and e.phase == "update" for e in run(frames))


def test_pointing_still_dwells_once_then_rearms_after_moving() -> None:
    point = one_hand(POINT)
    frames = (
        hold(placed(point, 0.4, 0.4), 40)
        + move(point, (0.4, 0.4), (0.7, 0.4), 6)
        + hold(placed(point, 0.7, 0.4), 60)
    )
    dwells = [e for e in run(frames, mirrored=True, jitter=0.001) if e.name == "dwell"]
    assert len(dwells) == 2
    assert dwells[0].x is not None and dwells[1].x is not None and dwells[1].x > dwells[0].x


def test_no_hand_means_no_event() -> None:
    assert run([[]] * 30) == []
