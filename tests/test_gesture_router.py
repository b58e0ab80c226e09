"""Gesture events to showroom actions: the mapping, debouncing of held gestures, mirroring.

The analyses are made by hand here: the real recogniser is another package (`gestures/`), and
the router's contract is the FrameAnalysis it produces (render_node.camera_analysis).
"""

from __future__ import annotations

import math

import pytest

from render_node.camera_analysis import FrameAnalysis, GestureEvent, GestureName, Hand
from render_node.gesture_router import (
    ACTIVE_BOX,
    RELEASE_S,
    GestureOutcome,
    GestureRouter,
    screen_point,
)
from render_node.input_router import AddToCart
from scenes.actions import Back, FocusNext, FocusPrevious, FocusProduct, Inspect, Orbit, Zoom
from scenes.graph import Mode

FRAME = 1 / 15  # the default analysis rate


def pick(x: float, _y: float) -> str | None:
    """Two products side by side on the picture."""
    return "left-shoe" if x < 0.5 else "right-lamp"


def event(name: GestureName, confidence: float = 0.9, hand: Hand = "right", *value: float) -> GestureEvent:
    return GestureEvent(name, confidence, hand, tuple(value))


def frame(*events: GestureEvent, pointer: tuple[float, float] | None = None) -> FrameAnalysis:
    return FrameAnalysis(events, pointer)


def run(
    router: GestureRouter,
    analyses: list[FrameAnalysis],
    *,
    start: float = 0.0,
    mode: Mode = Mode.BROWSE,
    focused: str | None = "left-shoe",
) -> list[GestureOutcome]:
    return [router.handle(a, start + i * FRAME, mode, focused) for i, a in enumerate(analyses)]


def routed(outcomes: list[GestureOutcome]) -> list[object]:
    return [r for o in outcomes for r in o.routed]


def fired(outcomes: list[GestureOutcome]) -> list[str]:
    return [e.name for o in outcomes for e in o.fired]


def test_a_swipe_to_the_viewers_left_shows_the_next_product_and_right_the_previous() -> None:
    router = GestureRouter(pick)
    assert run(router, [frame(event("swipe_left"))])[0].routed == (FocusNext(),)
    later = router.handle(frame(event("swipe_right")), 5.0, Mode.BROWSE, "left-shoe")
    assert later.routed == (FocusPrevious(),)
    assert [e.name for e in later.fired] == ["swipe_right"]


def test_the_return_stroke_of_a_swipe_is_not_a_swipe_back() -> None:
    router = GestureRouter(pick)
    outcomes = run(router, [frame(event("swipe_left")), frame(), frame(event("swipe_right"))])
    assert routed(outcomes) == [FocusNext()]
    assert router.handle(frame(event("swipe_left")), 1.0, Mode.BROWSE, None).routed == (FocusNext(),)


def test_a_raw_camera_analyzer_is_mirrored_here() -> None:
    router = GestureRouter(pick, raw_camera=True)
    outcome = router.handle(frame(event("swipe_left"), pointer=(0.8, 0.4)), 0.0, Mode.BROWSE, None)
    assert outcome.routed == (FocusPrevious(),)
    assert outcome.cursor == pytest.approx(screen_point((0.2, 0.4)))
    drag = router.handle(frame(event("grab_drag", 0.9, "right", 0.1, 0.0)), 1.0, Mode.INSPECT, "x")
    assert drag.routed == (Orbit(yaw=0.1 * math.pi * 1.5, pitch=0.0),)


def test_a_held_thumbs_up_adds_to_the_cart_once() -> None:
    router = GestureRouter(pick)
    outcomes = run(router, [frame(event("thumbs_up"))] * 30)  # two seconds of it
    assert routed(outcomes) == [AddToCart()]
    assert fired(outcomes) == ["thumbs_up"]
    first = next(i for i, o in enumerate(outcomes) if o.routed)
    assert 0.2 <= first * FRAME <= 0.4, "held for a moment first, so a passing hand does not buy"


def test_one_missed_frame_does_not_rearm_a_held_gesture_but_a_release_does() -> None:
    router = GestureRouter(pick)
    thumbs = frame(event("thumbs_up"))
    flicker = [thumbs] * 6 + [frame()] + [thumbs] * 10
    assert routed(run(router, flicker)) == [AddToCart()]
    released_at = len(flicker) * FRAME + RELEASE_S + 0.05
    again = run(router, [frame()] + [thumbs] * 10, start=released_at)
    assert routed(again) == [AddToCart()], "let go and held again: a second add"


def test_confidence_has_hysteresis() -> None:
    router = GestureRouter(pick)
    assert routed(run(router, [frame(event("thumbs_up", 0.6))] * 20)) == [], "never sure enough to start"
    router = GestureRouter(pick)
    wavering = [frame(event("thumbs_up", 0.8))] + [frame(event("thumbs_up", 0.55))] * 10
    assert routed(run(router, wavering)) == [AddToCart()], "once started it holds at lower confidence"


def test_an_open_palm_goes_back_from_inspect_only() -> None:
    palm = [frame(event("open_palm"))] * 12
    assert routed(run(GestureRouter(pick), palm, mode=Mode.INSPECT)) == [Back()]
    router = GestureRouter(pick)
    assert routed(run(router, palm, mode=Mode.BROWSE)) == []
    # The same palm, still held once something else started inspecting: it was spent in browse.
    assert routed(run(router, palm, start=len(palm) * FRAME, mode=Mode.INSPECT)) == []


def test_pinch_zoom_and_grab_drag_move_the_inspected_product() -> None:
    router = GestureRouter(pick)
    zooms = [frame(event("pinch_zoom", 0.9, "right", 1.1))] * 3 + [
        frame(event("pinch_zoom", 0.9, "right", 9.0))
    ]
    outcomes = run(router, zooms, mode=Mode.INSPECT)
    assert routed(outcomes) == [Zoom(1.1)] * 3 + [Zoom(2.0)], "one report zooms at most twofold"
    assert fired(outcomes) == ["pinch_zoom"], "feedback once per run of reports"
    drag = router.handle(frame(event("grab_drag", 0.9, "left", -0.1, 0.2)), 5.0, Mode.INSPECT, "x")
    assert drag.routed == (Orbit(yaw=0.1 * math.pi * 1.5, pitch=0.2 * math.pi * 0.75),)
    assert router.handle(frame(event("pinch_zoom", 0.9, "right", 1.5)), 9.0, Mode.BROWSE, "x").routed == ()


def test_a_swipe_while_dragging_is_part_of_the_drag() -> None:
    router = GestureRouter(pick)
    moves = [frame(event("grab_drag", 0.9, "right", 0.05, 0.0))] * 3 + [frame(event("swipe_left"))]
    assert not any(isinstance(r, FocusNext) for r in routed(run(router, moves, mode=Mode.INSPECT)))


def test_dwell_focuses_what_the_hand_rests_on_then_inspects_it() -> None:
    router = GestureRouter(pick)
    x_right = ACTIVE_BOX[2] - 0.05  # near the right of the active box: the right of the picture
    first = router.handle(frame(event("dwell", 0.9, "right", x_right, 0.4)), 0.0, Mode.BROWSE, "left-shoe")
    assert first.routed == (FocusProduct("right-lamp"),)
    too_soon = router.handle(
        frame(event("dwell", 0.9, "right", x_right, 0.4)), 0.3, Mode.BROWSE, "right-lamp"
    )
    assert too_soon.routed == ()
    later = router.handle(frame(event("dwell", 0.9, "right", x_right, 0.4)), 2.0, Mode.BROWSE, "right-lamp")
    assert later.routed == (Inspect(),)


def test_a_pinch_tap_selects_under_the_cursor_but_a_long_or_moving_pinch_does_not() -> None:
    left = (ACTIVE_BOX[0] + 0.05, 0.4)
    tap = [frame(event("pinch"), pointer=left)] * 3 + [frame(pointer=left)] * 3
    outcomes = run(GestureRouter(pick), tap, focused="right-lamp")
    assert routed(outcomes) == [FocusProduct("left-shoe")]
    assert fired(outcomes) == ["pinch"]
    long = [frame(event("pinch"), pointer=left)] * 12 + [frame(pointer=left)] * 3
    assert routed(run(GestureRouter(pick), long, focused="right-lamp")) == []
    zooming = [frame(event("pinch"), event("pinch_zoom", 0.9, "right", 1.1), pointer=left)] * 2 + [
        frame()
    ] * 3
    assert not any(isinstance(r, FocusProduct) for r in routed(run(GestureRouter(pick), zooming)))


@pytest.mark.parametrize(
    ("camera", "picture"),
    [
        (None, None),
        (((ACTIVE_BOX[0] + ACTIVE_BOX[2]) / 2, (ACTIVE_BOX[1] + ACTIVE_BOX[3]) / 2), (0.5, 0.5)),
        ((0.0, 1.0), (0.0, 1.0)),
        ((math.nan, 0.5), None),
    ],
)
def test_the_cursor_maps_the_active_box_onto_the_picture(
    camera: tuple[float, float] | None, picture: tuple[float, float] | None
) -> None:
    outcome = GestureRouter(pick).handle(frame(pointer=camera), 0.0, Mode.BROWSE, None)
    assert outcome.cursor == (pytest.approx(picture) if picture else None)
