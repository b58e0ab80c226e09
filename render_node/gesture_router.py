"""Turns one viewer's analysed camera frames into showroom actions, a hand cursor and feedback.

Recognisers report static gestures in every frame they are held and flicker at the edges, so
the router debounces: a static gesture engages only at ENGAGE_CONFIDENCE and after being held
for its hold time, stays engaged down to KEEP_CONFIDENCE (hysteresis), fires once per hold, and
re-arms only after it has been gone for RELEASE_S. A held thumbs up adds to the cart once.

Left and right are the viewer's own, as in a mirror (see camera_analysis): a swipe to the left
moves the showroom along to the next product, like flicking a carousel or the touch swipe in
InputRouter; the hand cursor follows the hand the way a mirror image would.

What maps to what:
- swipe_left / swipe_right: next / previous product (in either mode; a cooldown swallows the hand's
  return stroke, and swipes during a pinch-zoom or grab-drag are ignored)
- pinch_zoom: zoom the inspected product by the scale; grab_drag: orbit it by the hand's travel
- dwell, or a pinch tap (a short pinch that did not move): focus the product under the hand's
  cursor, or inspect it when it is already focused
- open_palm: back (in inspect); thumbs_up: add the focused product to the cart
- swipe_up / swipe_down, fist, point (beyond moving the cursor), thumbs_down, victory: no action
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from render_node.camera_analysis import FrameAnalysis, GestureEvent, GestureName, Hand
from render_node.input_router import AddToCart, Picker, Routed
from scenes.actions import Back, FocusNext, FocusPrevious, FocusProduct, Inspect, Orbit, Zoom
from scenes.graph import Mode

__all__ = [
    "ACTIVE_BOX",
    "ENGAGE_CONFIDENCE",
    "KEEP_CONFIDENCE",
    "RELEASE_S",
    "GestureOutcome",
    "GestureRouter",
    "screen_point",
]

ENGAGE_CONFIDENCE = 0.7  # a gesture starts counting at this confidence...
KEEP_CONFIDENCE = 0.5  # ...and, once started, holds down to this one
RELEASE_S = 0.12  # gone this long (two frames at 15/s): the hold is over and may fire again
HOLD_S: dict[GestureName, float] = {"thumbs_up": 0.25, "open_palm": 0.4}  # held this long to fire
TAP_MAX_S = 0.5  # a pinch released within this, without zooming or dragging, is a tap
SWIPE_COOLDOWN_S = 0.5  # after a swipe the hand swings back: that is not a swipe the other way
DWELL_COOLDOWN_S = 1.0
MOVING_GRACE_S = 0.3  # after the last pinch-zoom or grab-drag report, swipes and taps are ignored
MAX_ZOOM_STEP = 2.0  # one report never zooms more than this either way
ORBIT_YAW, ORBIT_PITCH = math.pi * 1.5, math.pi * 0.75  # radians per frame width/height: as a mouse drag
# The part of the camera frame (x0, y0, x1, y1) that maps onto the whole picture: a hand rarely
# reaches the frame's edges, and this box of a 4:3 camera frame is about 16:9.
ACTIVE_BOX = (0.15, 0.1, 0.85, 0.7)

_MIRROR = {"swipe_left": "swipe_right", "swipe_right": "swipe_left"}


@dataclass(frozen=True)
class GestureOutcome:
    routed: tuple[Routed, ...] = ()
    fired: tuple[GestureEvent, ...] = ()  # the gestures that did something: feedback for the viewer
    cursor: tuple[float, float] | None = None  # the hand cursor, 0..1 across the picture


@dataclass
class _Hold:
    started: float
    seen: float
    where: tuple[float, float] | None  # the pointer when the hold started (a pinch tap's target)
    fired: bool = False
    moved: bool = False  # a pinch that zoomed or dragged is no tap


@dataclass
class _Step:
    """What one analysis adds up to, built while handling it."""

    at: float
    mode: Mode
    focused: str | None
    routed: list[Routed] = field(default_factory=list)
    fired: list[GestureEvent] = field(default_factory=list)


class GestureRouter:
    """Stateful per camera: which gestures are held, cooldowns, whether the hand is zooming."""

    def __init__(self, pick: Picker, *, raw_camera: bool = False) -> None:
        """`raw_camera`: the analyzer reports unmirrored camera coordinates; they are flipped here."""
        self._pick = pick
        self._raw_camera = raw_camera
        self._holds: dict[tuple[GestureName, Hand], _Hold] = {}
        self._swipe_quiet_until = -math.inf
        self._dwell_quiet_until = -math.inf
        self._moving_until = -math.inf

    def handle(self, analysis: FrameAnalysis, at: float, mode: Mode, focused: str | None) -> GestureOutcome:
        """One analysed frame at `at` seconds (any monotonic clock), against the state the viewer sees."""
        pointer = analysis.pointer
        events = analysis.events
        if self._raw_camera:
            pointer = None if pointer is None else (1.0 - pointer[0], pointer[1])
            events = tuple(_mirror(e) for e in events)
        step = _Step(at, mode, focused)
        for event in events:
            if event.name in ("pinch_zoom", "grab_drag"):
                self._move(event, step)
        for event in events:
            if event.name in ("swipe_left", "swipe_right"):
                self._swipe(event, step)
            elif event.name == "dwell":
                self._dwell(event, pointer, step)
        self._holds_seen(events, pointer, step)
        return GestureOutcome(tuple(step.routed), tuple(step.fired), screen_point(pointer))

    # -- dynamic gestures ------------------------------------------------------------------------
    def _move(self, event: GestureEvent, step: _Step) -> None:
        if event.confidence < KEEP_CONFIDENCE:
            return
        starting = step.at > self._moving_until
        self._moving_until = step.at + MOVING_GRACE_S
        pinch = self._holds.get(("pinch", event.hand))
        if pinch is not None:
            pinch.moved = True
        if step.mode is not Mode.INSPECT:
            return
        if event.name == "pinch_zoom" and event.value:
            scale = event.value[0]
            if not (math.isfinite(scale) and scale > 0):
                return
            step.routed.append(Zoom(min(MAX_ZOOM_STEP, max(1 / MAX_ZOOM_STEP, scale))))
        elif event.name == "grab_drag" and len(event.value) >= 2:
            dx, dy = event.value[0], event.value[1]
            if not (math.isfinite(dx) and math.isfinite(dy)):
                return
            step.routed.append(Orbit(yaw=-dx * ORBIT_YAW, pitch=dy * ORBIT_PITCH))
        else:
            return
        if starting:
            step.fired.append(event)  # feedback once per run, not fifteen times a second

    def _swipe(self, event: GestureEvent, step: _Step) -> None:
        if event.confidence < ENGAGE_CONFIDENCE or step.at < self._swipe_quiet_until:
            return
        if step.at <= self._moving_until:
            return  # part of a drag or a pinch, not a swipe
        self._swipe_quiet_until = step.at + SWIPE_COOLDOWN_S
        step.routed.append(FocusNext() if event.name == "swipe_left" else FocusPrevious())
        step.fired.append(event)

    def _dwell(self, event: GestureEvent, pointer: tuple[float, float] | None, step: _Step) -> None:
        if event.confidence < ENGAGE_CONFIDENCE or step.at < self._dwell_quiet_until:
            return
        where = (event.value[0], event.value[1]) if len(event.value) >= 2 else pointer
        if self._select(where, step):
            self._dwell_quiet_until = step.at + DWELL_COOLDOWN_S
            step.fired.append(event)

    def _select(self, where: tuple[float, float] | None, step: _Step) -> bool:
        """Focus what is under the hand, or inspect it when it is focused already: as a click."""
        point = screen_point(where)
        hit = None if point is None else self._pick(*point)
        if hit is None:
            return False
        if hit != step.focused:
            step.routed.append(FocusProduct(hit))
        elif step.mode is Mode.BROWSE:
            step.routed.append(Inspect())
        else:
            return False
        return True

    # -- static gestures, debounced ------------------------------------------------------------
    def _holds_seen(
        self, events: tuple[GestureEvent, ...], pointer: tuple[float, float] | None, step: _Step
    ) -> None:
        seen: set[tuple[GestureName, Hand]] = set()
        for event in events:
            if event.name not in ("thumbs_up", "open_palm", "pinch"):
                continue
            key: tuple[GestureName, Hand] = (event.name, event.hand)
            hold = self._holds.get(key)
            if hold is not None and event.confidence >= KEEP_CONFIDENCE:
                hold.seen = step.at
            elif hold is None and event.confidence >= ENGAGE_CONFIDENCE:
                hold = self._holds[key] = _Hold(step.at, step.at, pointer)
            else:
                continue
            seen.add(key)
            if not hold.fired and event.name in HOLD_S and step.at - hold.started >= HOLD_S[event.name]:
                hold.fired = True  # once per hold, whether or not it did anything
                self._fire_hold(event, step)
        for held, hold in list(self._holds.items()):
            if held in seen or step.at - hold.seen < RELEASE_S:
                continue
            del self._holds[held]
            name, hand = held
            if name == "pinch" and self._is_tap(hold, step.at) and self._select(hold.where, step):
                step.fired.append(GestureEvent("pinch", 1.0, hand))

    def _fire_hold(self, event: GestureEvent, step: _Step) -> None:
        if event.name == "thumbs_up":
            step.routed.append(AddToCart())
        elif event.name == "open_palm":
            if step.mode is not Mode.INSPECT:
                return  # nothing to go back from; a palm held on into inspect does not fire either
            step.routed.append(Back())
        step.fired.append(event)

    def _is_tap(self, hold: _Hold, at: float) -> bool:
        return not hold.moved and hold.seen - hold.started <= TAP_MAX_S and at > self._moving_until


def screen_point(point: tuple[float, float] | None) -> tuple[float, float] | None:
    """A camera-frame point (mirrored) to 0..1 across the picture, through ACTIVE_BOX, clamped."""
    if point is None or not (math.isfinite(point[0]) and math.isfinite(point[1])):
        return None
    x0, y0, x1, y1 = ACTIVE_BOX
    x = min(1.0, max(0.0, (point[0] - x0) / (x1 - x0)))
    y = min(1.0, max(0.0, (point[1] - y0) / (y1 - y0)))
    return (x, y)


def _mirror(event: GestureEvent) -> GestureEvent:
    name: GestureName = _MIRROR.get(event.name, event.name)  # type: ignore[assignment]
    value = event.value
    if event.name in ("point", "dwell") and len(value) >= 2:
        value = (1.0 - value[0], *value[1:])
    elif event.name == "grab_drag" and len(value) >= 2:
        value = (-value[0], *value[1:])
    return replace(event, name=name, value=value)
