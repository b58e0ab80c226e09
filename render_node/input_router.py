"""Turns the viewers' remote, keyboard, mouse and touch input into showroom actions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from render_node.messages import CommandMessage, InputMessage, KeyMessage, PointerMessage, TextMessage
from scenes.actions import (
    Action,
    Back,
    FocusNext,
    FocusPrevious,
    FocusProduct,
    Inspect,
    NextVariant,
    Orbit,
    SelectVariant,
    Zoom,
)
from scenes.graph import Mode

__all__ = ["HOLD_TO_ADD_S", "AddToCart", "InputRouter", "Picker", "Routed"]

Picker = Callable[[float, float], str | None]


@dataclass(frozen=True)
class AddToCart:
    """Add the focused product's current colourway to the session's cart.

    A session command, not a showroom action: carts are the shop's, and scenes knows nothing of
    them. The session resolves "focused" and "current" after the actions routed before it.
    """


Routed = Action | AddToCart

CLICK_SLOP = 0.012  # a press that moves less than this (fraction of the picture) is a click
SWIPE_DISTANCE = 0.12  # a browse-mode drag this far across the picture changes product
KEY_ORBIT = math.radians(30.0)
KEY_ZOOM = 1.25
HOLD_TO_ADD_S = 0.6  # Enter held this long on an inspected product adds it to the cart


@dataclass
class _EnterHold:
    started: float
    variant_before: int | None  # the colourway the press moved away from, which a hold adds
    fired: bool = False


@dataclass
class _Press:
    x: float
    y: float
    last_x: float
    last_y: float
    travelled: float = 0.0
    gesture: bool = False  # part of a two-finger pinch: never a click or swipe on release


class InputRouter:
    """Stateful only for pointers: which are pressed, where they started, how far a pinch spans.

    Keys work like a TV remote: in browse, left/right change product, up/down change colourway,
    Enter inspects; in inspect, left/right turn the product, up/down zoom, Enter changes
    colourway, Back returns. Enter held (the page marks auto-repeated keydowns `repeat`) for
    HOLD_TO_ADD_S on an inspected product adds it to the cart: the press has already changed the
    colourway by then, so the hold puts back the one the viewer was looking at and adds that.
    """

    def __init__(self, pick: Picker, clock: Callable[[], float] = time.monotonic) -> None:
        self._pick = pick
        self._clock = clock
        self._presses: dict[int, _Press] = {}
        self._pinch: float | None = None
        self._hold: _EnterHold | None = None

    def handle(
        self, message: InputMessage, mode: Mode, focused: str | None, variant: int | None = None
    ) -> list[Routed]:
        if isinstance(message, KeyMessage):
            if message.key == "Enter":
                return self._enter(message.repeat, mode, variant)
            self._hold = None  # another key ends a hold
            return list(self._key(message.key, mode))
        if isinstance(message, PointerMessage):
            return list(self._pointer(message, mode, focused))
        if isinstance(message, CommandMessage):
            return [AddToCart()]  # the only command so far
        if isinstance(message, TextMessage):
            return []  # the assistant (issue 6) will take typed queries
        return []  # cart tokens are the session's business, not the showroom's

    def _enter(self, repeat: bool, mode: Mode, variant: int | None) -> list[Routed]:
        if not repeat:
            self._hold = _EnterHold(self._clock(), variant) if mode is Mode.INSPECT else None
            return list(self._key("Enter", mode))
        hold = self._hold
        if hold is None or hold.fired or mode is not Mode.INSPECT:
            return []  # a held Enter never cycles colourways nor inspects again
        if self._clock() - hold.started < HOLD_TO_ADD_S:
            return []
        hold.fired = True
        undo: list[Routed] = [] if hold.variant_before is None else [SelectVariant(hold.variant_before)]
        return [*undo, AddToCart()]

    @staticmethod
    def _key(key: str, mode: Mode) -> list[Action]:
        inspecting = mode is Mode.INSPECT
        match key:
            case "ArrowLeft":
                return [Orbit(yaw=-KEY_ORBIT)] if inspecting else [FocusPrevious()]
            case "ArrowRight":
                return [Orbit(yaw=KEY_ORBIT)] if inspecting else [FocusNext()]
            case "ArrowUp":
                return [Zoom(KEY_ZOOM)] if inspecting else [NextVariant()]
            case "ArrowDown":
                return [Zoom(1 / KEY_ZOOM)] if inspecting else [NextVariant()]
            case "Enter":
                return [NextVariant()] if inspecting else [Inspect()]
            case "Back":
                return [Back()]
        return []

    def _pointer(self, msg: PointerMessage, mode: Mode, focused: str | None) -> list[Action]:
        if msg.action == "wheel":
            return [Zoom(math.exp(-msg.dy * 0.0015))] if msg.dy else []
        if msg.action == "down":
            self._presses[msg.id] = _Press(msg.x, msg.y, msg.x, msg.y)
            if len(self._presses) >= 2:
                for other in self._presses.values():
                    other.gesture = True
            self._pinch = self._span() if len(self._presses) == 2 else None
            return []
        press = self._presses.get(msg.id)
        if press is None:
            return []  # a move or release without a press we saw: ignore
        if msg.action == "move":
            return self._move(press, msg, mode)
        del self._presses[msg.id]
        self._pinch = None
        if self._presses or press.gesture:
            return []  # a finger of a pinch lifted: the pinch was the gesture
        if press.travelled < CLICK_SLOP:
            return self._click(msg.x, msg.y, mode, focused)
        dx = msg.x - press.x
        if mode is Mode.BROWSE and abs(dx) >= SWIPE_DISTANCE:
            return [FocusPrevious()] if dx > 0 else [FocusNext()]
        return []

    def _move(self, press: _Press, msg: PointerMessage, mode: Mode) -> list[Action]:
        dx, dy = msg.x - press.last_x, msg.y - press.last_y
        press.last_x, press.last_y = msg.x, msg.y
        press.travelled += math.hypot(dx, dy)
        if len(self._presses) == 2:
            span = self._span()
            actions: list[Action] = []
            if self._pinch and span > 1e-3:
                actions.append(Zoom(span / self._pinch))
            self._pinch = span
            return actions
        if mode is Mode.INSPECT and (dx or dy):
            return [Orbit(yaw=-dx * math.pi * 1.5, pitch=dy * math.pi * 0.75)]
        return []

    def _click(self, x: float, y: float, mode: Mode, focused: str | None) -> list[Action]:
        hit = self._pick(x, y)
        if hit is None:
            return []
        if hit == focused:
            return [] if mode is Mode.INSPECT else [Inspect()]
        return [FocusProduct(hit)]

    def _span(self) -> float:
        a, b = list(self._presses.values())[:2]
        return math.hypot(a.last_x - b.last_x, a.last_y - b.last_y)
