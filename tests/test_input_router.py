"""Remote keys, mouse, touch and wheel become showroom actions; pointers need a press first."""

from __future__ import annotations

import json
from typing import Literal

import pytest

from render_node.input_router import (
    CLICK_SLOP,
    HOLD_TO_ADD_S,
    SWIPE_DISTANCE,
    AddToCart,
    InputRouter,
    Routed,
)
from render_node.messages import (
    CartMessage,
    CommandMessage,
    KeyMessage,
    PointerMessage,
    TextMessage,
    parse_input,
)
from scenes import (
    Back,
    FocusNext,
    FocusPrevious,
    FocusProduct,
    Inspect,
    Mode,
    NextVariant,
    Orbit,
    ProductSlot,
    SelectVariant,
    Showroom,
    Zoom,
    default_layout,
)
from scenes.actions import Action
from scenes.picking import pick_product

BROWSE, INSPECT = Mode.BROWSE, Mode.INSPECT
KeyName = Literal["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", "Back"]
PointerAction = Literal["down", "move", "up", "wheel"]


class FakePicker:
    """Three products side by side across the lower picture; sky above y=0.2. Records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []

    def __call__(self, x: float, y: float) -> str | None:
        self.calls.append((x, y))
        if y < 0.2:
            return None
        return "left" if x < 1 / 3 else "middle" if x < 2 / 3 else "right"


def key(name: KeyName, *, repeat: bool = False) -> KeyMessage:
    return KeyMessage(type="key", key=name, repeat=repeat)


def ptr(action: PointerAction, x: float, y: float, *, id: int = 0, dy: float = 0.0) -> PointerMessage:
    return PointerMessage(type="pointer", action=action, x=x, y=y, dy=dy, id=id)


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock | None = None) -> tuple[InputRouter, FakePicker]:
    picker = FakePicker()
    return InputRouter(picker, clock or Clock()), picker


def feed(
    router: InputRouter, messages: list[PointerMessage], mode: Mode, focused: str | None
) -> list[Routed]:
    actions: list[Routed] = []
    for message in messages:
        actions.extend(router.handle(message, mode, focused))
    return actions


# -- keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ArrowLeft", FocusPrevious()),
        ("ArrowRight", FocusNext()),
        ("ArrowUp", NextVariant()),
        ("ArrowDown", NextVariant()),
        ("Enter", Inspect()),
        ("Back", Back()),
    ],
)
def test_keys_in_browse(name: KeyName, expected: Action) -> None:
    router, picker = make()
    assert router.handle(key(name), BROWSE, "middle") == [expected]
    assert picker.calls == []


@pytest.mark.parametrize(("name", "sign"), [("ArrowLeft", -1.0), ("ArrowRight", 1.0)])
def test_left_right_in_inspect_orbit_the_product(name: KeyName, sign: float) -> None:
    router, _ = make()
    [action] = router.handle(key(name), INSPECT, "middle")
    assert isinstance(action, Orbit)
    assert action.yaw * sign > 0
    assert action.pitch == 0.0


def test_up_zooms_in_and_down_zooms_out_in_inspect() -> None:
    router, _ = make()
    [up] = router.handle(key("ArrowUp"), INSPECT, "middle")
    [down] = router.handle(key("ArrowDown"), INSPECT, "middle")
    assert isinstance(up, Zoom) and isinstance(down, Zoom)
    assert up.factor > 1 > down.factor
    assert up.factor * down.factor == pytest.approx(1.0)  # one up and one down cancel


def test_enter_changes_colourway_and_back_returns_in_inspect() -> None:
    router, _ = make()
    assert router.handle(key("Enter"), INSPECT, "middle") == [NextVariant()]
    assert router.handle(key("Back"), INSPECT, "middle") == [Back()]


def test_text_gives_no_action() -> None:
    router, picker = make()
    assert router.handle(TextMessage(type="text", text="red shoes"), BROWSE, "middle") == []
    assert router.handle(TextMessage(type="text", text="bigger"), INSPECT, "middle") == []
    assert picker.calls == []


# -- the cart ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [BROWSE, INSPECT])
def test_the_add_to_cart_command_adds_in_either_mode(mode: Mode) -> None:
    router, picker = make()
    assert router.handle(CommandMessage(type="command", name="add_to_cart"), mode, "middle") == [AddToCart()]
    assert picker.calls == []


def test_a_cart_token_is_no_showroom_action() -> None:
    router, _ = make()
    assert router.handle(CartMessage(type="cart", token="abc"), BROWSE, "middle") == []


def hold_enter(router: InputRouter, clock: Clock, seconds: float) -> list[Routed]:
    """OK held on an inspected product showing colourway 1: a press, then (as a keyboard or a
    remote does) auto-repeats every 50 ms after a 500 ms delay; the press showed colourway 2."""
    routed = router.handle(key("Enter"), INSPECT, "middle", 1)
    t = 0.5
    while t <= seconds + 1e-9:
        clock.now += 0.05 if t > 0.5 else 0.5
        routed += router.handle(key("Enter", repeat=True), INSPECT, "middle", 2)
        t += 0.05
    return routed


def test_enter_held_on_an_inspected_product_adds_the_colourway_it_showed_once() -> None:
    clock = Clock()
    router, _ = make(clock)
    routed = hold_enter(router, clock, 2.0)
    # The press changed the colourway at once; the hold puts back the one the viewer looked at.
    assert routed == [NextVariant(), SelectVariant(1), AddToCart()]


def test_enter_held_not_long_enough_only_changes_colourway() -> None:
    clock = Clock()
    router, _ = make(clock)
    assert hold_enter(router, clock, HOLD_TO_ADD_S - 0.1) == [NextVariant()]


def test_enter_repeats_after_the_threshold_fire_exactly_at_it() -> None:
    clock = Clock()
    router, _ = make(clock)
    assert router.handle(key("Enter"), INSPECT, "middle", None) == [NextVariant()]
    clock.now += HOLD_TO_ADD_S - 0.01
    assert router.handle(key("Enter", repeat=True), INSPECT, "middle", 0) == []
    clock.now += 0.01
    assert router.handle(key("Enter", repeat=True), INSPECT, "middle", 0) == [AddToCart()]  # no variants
    clock.now += 0.05
    assert router.handle(key("Enter", repeat=True), INSPECT, "middle", 0) == []


def test_enter_held_in_browse_inspects_once_and_never_adds() -> None:
    clock = Clock()
    router, _ = make(clock)
    assert router.handle(key("Enter"), BROWSE, "middle") == [Inspect()]
    for _ in range(30):  # the product is inspected now, but the hold began in browse
        clock.now += 0.05
        assert router.handle(key("Enter", repeat=True), INSPECT, "middle", 0) == []


def test_another_key_ends_an_enter_hold() -> None:
    clock = Clock()
    router, _ = make(clock)
    router.handle(key("Enter"), INSPECT, "middle", 0)
    router.handle(key("ArrowUp"), INSPECT, "middle", 1)
    clock.now += 1.0
    assert router.handle(key("Enter", repeat=True), INSPECT, "middle", 1) == []


def test_a_new_press_starts_a_new_hold() -> None:
    clock = Clock()
    router, _ = make(clock)
    assert hold_enter(router, clock, 1.0)[-1] == AddToCart()
    assert hold_enter(router, clock, 1.0) == [NextVariant(), SelectVariant(1), AddToCart()]


def test_repeated_enter_without_the_repeat_flag_still_cycles_colourways() -> None:
    """Older pages send every keydown unmarked: each is a press, as before."""
    clock = Clock()
    router, _ = make(clock)
    for _ in range(5):
        clock.now += 0.2
        assert router.handle(key("Enter"), INSPECT, "middle", 0) == [NextVariant()]


# -- clicks --------------------------------------------------------------------------------------


def click(x: float, y: float) -> list[PointerMessage]:
    return [ptr("down", x, y), ptr("up", x, y)]


def test_click_on_the_focused_product_in_browse_inspects_it() -> None:
    router, picker = make()
    assert feed(router, click(0.5, 0.6), BROWSE, "middle") == [Inspect()]
    assert picker.calls == [(0.5, 0.6)]


def test_click_on_another_product_focuses_it() -> None:
    router, _ = make()
    assert feed(router, click(0.1, 0.6), BROWSE, "middle") == [FocusProduct("left")]
    assert feed(router, click(0.9, 0.6), INSPECT, "middle") == [FocusProduct("right")]


def test_click_on_nothing_gives_no_action() -> None:
    router, picker = make()
    assert feed(router, click(0.5, 0.05), BROWSE, "middle") == []
    assert picker.calls == [(0.5, 0.05)]


def test_click_on_the_focused_product_in_inspect_gives_no_action() -> None:
    router, _ = make()
    assert feed(router, click(0.5, 0.6), INSPECT, "middle") == []


def test_jitter_within_the_click_slop_is_still_a_click() -> None:
    router, _ = make()
    wobble = CLICK_SLOP * 0.4
    messages = [ptr("down", 0.5, 0.6), ptr("move", 0.5 + wobble, 0.6), ptr("up", 0.5 + wobble, 0.6)]
    assert feed(router, messages, BROWSE, "middle") == [Inspect()]


def test_move_and_up_without_a_down_give_no_action() -> None:
    router, picker = make()
    assert router.handle(ptr("move", 0.5, 0.6), INSPECT, "middle") == []
    assert router.handle(ptr("up", 0.5, 0.6), BROWSE, "middle") == []
    assert router.handle(ptr("up", 0.1, 0.6, id=3), BROWSE, "middle") == []
    assert picker.calls == []


def test_up_of_another_pointer_does_not_end_a_press() -> None:
    router, _ = make()
    assert router.handle(ptr("down", 0.5, 0.6, id=1), BROWSE, "middle") == []
    assert router.handle(ptr("up", 0.5, 0.6, id=2), BROWSE, "middle") == []
    assert router.handle(ptr("up", 0.5, 0.6, id=1), BROWSE, "middle") == [Inspect()]


# -- drags and swipes --------------------------------------------------------------------------------


def test_drag_right_in_inspect_orbits_with_negative_yaw() -> None:
    """The product follows the finger: dragging right swings the camera the other way (yaw < 0)."""
    router, _ = make()
    router.handle(ptr("down", 0.5, 0.5), INSPECT, "middle")
    [a] = router.handle(ptr("move", 0.55, 0.5), INSPECT, "middle")
    [b] = router.handle(ptr("move", 0.65, 0.5), INSPECT, "middle")
    assert isinstance(a, Orbit) and isinstance(b, Orbit)
    assert a.yaw < 0 and b.yaw < 0
    assert b.yaw == pytest.approx(2 * a.yaw)  # proportional to each move, not to the whole drag
    assert a.pitch == b.pitch == 0.0
    assert router.handle(ptr("up", 0.65, 0.5), INSPECT, "middle") == []  # a drag is not a click


def test_drag_left_in_inspect_orbits_with_positive_yaw() -> None:
    router, _ = make()
    actions = feed(router, [ptr("down", 0.5, 0.5), ptr("move", 0.4, 0.5)], INSPECT, "middle")
    [orbit] = actions
    assert isinstance(orbit, Orbit)
    assert orbit.yaw > 0


def test_drag_down_in_inspect_pitches_up_and_drag_up_pitches_down() -> None:
    router, _ = make()
    router.handle(ptr("down", 0.5, 0.5), INSPECT, "middle")
    [down] = router.handle(ptr("move", 0.5, 0.6), INSPECT, "middle")
    [up] = router.handle(ptr("move", 0.5, 0.45), INSPECT, "middle")
    assert isinstance(down, Orbit) and isinstance(up, Orbit)
    assert down.pitch > 0 > up.pitch
    assert down.yaw == up.yaw == 0.0


def test_move_to_the_same_place_in_inspect_gives_no_orbit() -> None:
    router, _ = make()
    assert feed(router, [ptr("down", 0.5, 0.5), ptr("move", 0.5, 0.5)], INSPECT, "middle") == []


def swipe(x0: float, x1: float, steps: int = 4) -> list[PointerMessage]:
    xs = [x0 + (x1 - x0) * i / steps for i in range(steps + 1)]
    return [ptr("down", x0, 0.5)] + [ptr("move", x, 0.5) for x in xs[1:]] + [ptr("up", x1, 0.5)]


def test_swipe_right_in_browse_focuses_the_previous_product() -> None:
    router, picker = make()
    assert feed(router, swipe(0.4, 0.4 + SWIPE_DISTANCE + 0.05), BROWSE, "middle") == [FocusPrevious()]
    assert picker.calls == []  # a swipe is not a click


def test_swipe_left_in_browse_focuses_the_next_product() -> None:
    router, _ = make()
    assert feed(router, swipe(0.8, 0.8 - SWIPE_DISTANCE - 0.05), BROWSE, "middle") == [FocusNext()]


def test_short_drag_in_browse_gives_no_action() -> None:
    router, picker = make()
    assert feed(router, swipe(0.5, 0.5 + SWIPE_DISTANCE / 2), BROWSE, "middle") == []
    assert picker.calls == []


def test_swipe_in_inspect_does_not_change_product() -> None:
    router, _ = make()
    actions = feed(router, swipe(0.2, 0.8), INSPECT, "middle")
    assert actions and all(isinstance(a, Orbit) for a in actions)


# -- pinch and wheel ---------------------------------------------------------------------------------


def test_pinch_apart_zooms_in_and_together_zooms_out() -> None:
    router, picker = make()
    assert router.handle(ptr("down", 0.4, 0.5, id=1), INSPECT, "middle") == []
    assert router.handle(ptr("down", 0.6, 0.5, id=2), INSPECT, "middle") == []  # span 0.2
    [apart] = router.handle(ptr("move", 0.7, 0.5, id=2), INSPECT, "middle")  # span 0.3
    [together] = router.handle(ptr("move", 0.55, 0.5, id=1), INSPECT, "middle")  # span 0.15
    assert isinstance(apart, Zoom) and isinstance(together, Zoom)
    assert apart.factor == pytest.approx(1.5)
    assert together.factor == pytest.approx(0.5)
    # Lifting one finger of a pinch does nothing; no orbit came from a pinch move either.
    assert router.handle(ptr("up", 0.7, 0.5, id=2), INSPECT, "middle") == []
    assert picker.calls == []


def test_pinch_with_one_still_finger_does_not_end_as_a_click() -> None:
    router, _ = make()
    messages = [
        ptr("down", 0.2, 0.5, id=1),  # the thumb rests on the left product
        ptr("down", 0.5, 0.5, id=2),
        ptr("move", 0.7, 0.5, id=2),
        ptr("up", 0.7, 0.5, id=2),
        ptr("up", 0.2, 0.5, id=1),
    ]
    actions = feed(router, messages, INSPECT, "middle")
    assert not any(isinstance(a, FocusProduct | Inspect) for a in actions), actions


def test_wheel_up_zooms_in_and_down_zooms_out() -> None:
    router, _ = make()
    [closer] = router.handle(ptr("wheel", 0.5, 0.5, dy=-100.0), INSPECT, "middle")
    [further] = router.handle(ptr("wheel", 0.5, 0.5, dy=100.0), INSPECT, "middle")
    assert isinstance(closer, Zoom) and isinstance(further, Zoom)
    assert closer.factor > 1 > further.factor
    assert closer.factor * further.factor == pytest.approx(1.0)


def test_wheel_without_a_delta_gives_no_action() -> None:
    router, _ = make()
    assert router.handle(ptr("wheel", 0.5, 0.5, dy=0.0), INSPECT, "middle") == []


def test_wheel_does_not_need_or_disturb_a_press() -> None:
    router, _ = make()
    router.handle(ptr("down", 0.5, 0.6), BROWSE, "middle")
    assert len(router.handle(ptr("wheel", 0.5, 0.6, dy=-10.0), BROWSE, "middle")) == 1
    assert router.handle(ptr("up", 0.5, 0.6), BROWSE, "middle") == [Inspect()]


# -- end to end with the showroom -------------------------------------------------------------------

SLOTS = [ProductSlot("chair", 0, 0.9), ProductSlot("shoe", 3, 0.4), ProductSlot("lamp", 2, 1.0)]


def scene_actions(routed: list[Routed]) -> list[Action]:
    return [a for a in routed if not isinstance(a, AddToCart)]


def drive(showroom: Showroom, router: InputRouter, raw: str) -> list[tuple[str | None, int | None]]:
    """Like a session: apply the showroom actions, then resolve adds against the new snapshot."""
    snap = showroom.snapshot()
    routed = router.handle(parse_input(raw), snap.mode, snap.focused, snap.variant)
    showroom.update(0.1, scene_actions(routed))
    after = showroom.snapshot()
    return [(after.focused, after.variant) for a in routed if isinstance(a, AddToCart)]


def test_right_then_enter_inspects_the_second_product() -> None:
    showroom = Showroom(default_layout(), SLOTS)
    router, _ = make()
    drive(showroom, router, json.dumps({"type": "key", "key": "ArrowRight"}))
    assert (showroom.mode, showroom.focused_id) == (BROWSE, "shoe")
    drive(showroom, router, json.dumps({"type": "key", "key": "Enter"}))
    assert (showroom.mode, showroom.focused_id) == (INSPECT, "shoe")
    drive(showroom, router, json.dumps({"type": "key", "key": "Enter"}))  # next colourway
    assert showroom.snapshot().variant == 1
    drive(showroom, router, json.dumps({"type": "key", "key": "Back"}))
    assert (showroom.mode, showroom.focused_id) == (BROWSE, "shoe")


def test_enter_held_on_the_inspected_shoe_adds_the_colourway_shown_before_the_press() -> None:
    showroom = Showroom(default_layout(), SLOTS)
    clock = Clock()
    router, _ = make(clock)
    for name in ("ArrowRight", "Enter", "Enter"):  # inspect the shoe, colourway 1
        assert drive(showroom, router, json.dumps({"type": "key", "key": name})) == []
    assert showroom.snapshot().variant == 1
    assert drive(showroom, router, json.dumps({"type": "key", "key": "Enter"})) == []
    assert showroom.snapshot().variant == 2  # the press shows the next colourway at once...
    added = []
    for _ in range(10):
        clock.now += 0.1
        added += drive(showroom, router, json.dumps({"type": "key", "key": "Enter", "repeat": True}))
    assert added == [("shoe", 1)]  # ...and the hold adds (and shows again) the one before it
    assert showroom.snapshot().variant == 1


def test_the_add_command_in_browse_adds_the_focused_products_colourway() -> None:
    showroom = Showroom(default_layout(), SLOTS)
    router, _ = make()
    drive(showroom, router, json.dumps({"type": "key", "key": "ArrowLeft"}))
    drive(showroom, router, json.dumps({"type": "key", "key": "ArrowUp"}))
    assert drive(showroom, router, json.dumps({"type": "command", "name": "add_to_cart"})) == [("lamp", 1)]


def test_tap_on_the_centre_with_the_real_picker_inspects_the_focused_product() -> None:
    layout = default_layout()
    showroom = Showroom(layout, SLOTS)
    heights = {s.product_id: s.height for s in SLOTS}
    showroom.update(0.0, [FocusNext()])
    showroom.update(10.0)

    def picker(x: float, y: float) -> str | None:
        return pick_product(showroom.frame(), x, y, 16 / 9, heights, layout.plinth.radius)

    router = InputRouter(picker)
    for message in click(0.5, 0.55):
        snap = showroom.snapshot()
        showroom.update(0.1, scene_actions(router.handle(message, snap.mode, snap.focused)))
    assert (showroom.mode, showroom.focused_id) == (INSPECT, "shoe")
