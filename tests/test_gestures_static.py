"""The static classifier on real landmarks, turned, mirrored and scaled: pure, no images needed."""

from __future__ import annotations

import numpy as np
import pytest

from gestures.landmarks import Hand
from gestures.static import classify, classify_hand
from tests.gesture_data import one_hand

CASES = {
    "fist/rpscv_00nKV8oHuTGi20gq.png": "fist",
    "open_palm/rpscv_KHfp6LJDEhqbcomR.png": "open_palm",
    "victory/mp_victory.jpg": "victory",
    "pointing_up/mp_pointing_up.jpg": "point",
    "thumbs_up/mps_hand_thumb_up.jpg": "thumbs_up",
    "thumbs_down/mp_thumbs_down.jpg": "thumbs_down",
}


def turned(points: np.ndarray, degrees: float, scale: float = 1.0, mirror: bool = False) -> np.ndarray:
    p = points.copy()
    c = p[:, :2].mean(axis=0)
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    p[:, :2] = (p[:, :2] - c) @ rot.T * scale + c
    p[:, 2] *= scale
    if mirror:
        p[:, 0] = 2 * c[0] - p[:, 0]
    return p


@pytest.mark.parametrize(("name", "gesture"), CASES.items())
def test_real_landmarks_read_as_their_gesture(name: str, gesture: str) -> None:
    result = classify_hand(one_hand(name))
    assert result.gesture == gesture
    assert 0.5 <= result.confidence <= 1.0


@pytest.mark.parametrize(("name", "gesture"), CASES.items())
def test_mirror_and_distance_do_not_change_the_gesture(name: str, gesture: str) -> None:
    p = one_hand(name).pixels()
    for scale in (0.3, 1.0, 3.0):
        for mirror in (False, True):
            assert classify(turned(p, 0.0, scale, mirror)).gesture == gesture, (scale, mirror)


@pytest.mark.parametrize("name", ["fist/rpscv_00nKV8oHuTGi20gq.png", "open_palm/rpscv_KHfp6LJDEhqbcomR.png"])
def test_rotation_does_not_change_shapes_without_a_direction(name: str) -> None:
    p = one_hand(name).pixels()
    expected = classify(p).gesture
    for degrees in (30, 90, 150, 200, 270):
        assert classify(turned(p, degrees)).gesture == expected, degrees


def test_thumbs_up_turned_upside_down_is_thumbs_down() -> None:
    p = one_hand("thumbs_up/mps_hand_thumb_up.jpg").pixels()
    assert classify(turned(p, 180)).gesture == "thumbs_down"
    assert classify(turned(p, 90)).gesture != "thumbs_up"  # sideways thumb: not a vote


def test_thumb_on_index_tip_is_a_pinch() -> None:
    hand = one_hand("open_palm/rpscv_KHfp6LJDEhqbcomR.png")
    p = hand.landmarks.copy()
    p[4] = p[8] + np.array([0.005, 0.0, 0.0])
    assert classify_hand(Hand(p, hand.handedness, hand.score, hand.image_size)).gesture == "pinch"


def test_features_explain_the_decision() -> None:
    f = classify_hand(one_hand("fist/rpscv_00nKV8oHuTGi20gq.png")).features
    assert min(f.bend) > 110  # every finger curled
    g = classify_hand(one_hand("open_palm/rpscv_KHfp6LJDEhqbcomR.png")).features
    assert max(g.bend) < 110
