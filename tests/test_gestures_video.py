"""The shared videos fed frame by frame as a camera stream, through the whole recogniser."""

from __future__ import annotations

import functools

from gestures.media import video_frames
from gestures.recognizer import FrameResult, GestureRecognizer
from tests.gesture_data import VIDEO_DIR, shared


@functools.cache
def analysed(name: str) -> tuple[FrameResult, ...]:
    with GestureRecognizer() as recognizer:
        return tuple(recognizer.process(rgb, ts) for ts, rgb in video_frames(shared(VIDEO_DIR / name)))


def static_events(name: str) -> list[str]:
    return [e.name for r in analysed(name) for e in r.events if e.phase is None]


def test_fist_then_thumbs_up() -> None:
    events = static_events("mps_gesture_recognizer_test_video.mp4")
    assert events == ["fist", "thumbs_up"]
    frames = analysed("mps_gesture_recognizer_test_video.mp4")
    assert len(frames) > 150
    last = [h.gesture for r in frames[-50:] for h in r.hands]
    assert last.count("thumbs_up") >= 45


def test_open_palm_reaching_to_the_camera() -> None:
    assert "open_palm" in static_events("mps_hand_landmarker_test_video.mp4")
    frames = analysed("mps_hand_landmarker_test_video.mp4")
    assert sum(1 for r in frames if r.hands) == len(frames)  # the hand is found in every frame
    assert [h.gesture for h in frames[-1].hands] == ["open_palm"]
    assert not any(e.name.startswith("swipe") for r in frames for e in r.events)
