"""Gestures over time from per-frame hands: pure state machines, testable on landmark tracks.

Positions are smoothed with a One-Euro filter (steady when the hand is still, responsive when it
moves), static labels must hold for a few frames before they count (hysteresis), swipes and dwell
have cooldowns, and distances are measured in palm sizes, so a jittery hand does not fire twice
and the same motion reads the same near or far from the camera. A hand lost for a few frames keeps
its track; lost for longer, its continuous gestures end.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from gestures.events import GestureEvent
from gestures.landmarks import INDEX, MIDDLE, PINKY, THUMB, WRIST, Hand, Handedness
from gestures.static import StaticGesture, StaticResult

__all__ = ["DynamicConfig", "OneEuro", "DynamicRecognizer"]


@dataclass(frozen=True)
class DynamicConfig:
    """Timing and distance thresholds; distances are in palm sizes unless said otherwise."""

    confirm_frames: int = 3  # frames a new static label must hold before it counts
    release_frames: int = 15  # frames of "none" before a held gesture counts as let go
    min_confidence: float = 0.6  # static labels below this read as "none"
    lost_ms: int = 300  # a hand missing longer than this ends its track
    refire_ms: int = 2000  # the same static gesture regained this soon after losing it is not re-sent
    swipe_window_ms: int = 500
    swipe_distance: float = 2.5  # palm sizes travelled within the window
    swipe_ratio: float = 2.0  # main axis over the other axis
    swipe_cooldown_ms: int = 700
    drag_deadzone: float = 0.005  # fraction of the frame: smaller moves are not reported
    zoom_deadzone: float = 0.02  # change of scale below which no update is sent
    dwell_ms: int = 800
    dwell_radius: float = 0.3  # palm sizes the index tip may wander while dwelling
    min_cutoff: float = 1.0  # One-Euro: Hz at rest
    beta: float = 0.02  # One-Euro: how fast the cutoff rises with speed


class OneEuro:
    """The One-Euro filter (Casiez et al. 2012) on a vector, with timestamps in ms."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.02, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t = 0

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t_ms: int) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None:
            self._x, self._dx, self._t = x, np.zeros_like(x), t_ms
            return x
        dt = max((t_ms - self._t) / 1000.0, 1e-3)
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * float(np.linalg.norm(self._dx))
        a = self._alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t_ms
        return self._x


@dataclass
class _Track:
    """What is remembered about one hand between frames."""

    last_ms: int
    palm: OneEuro
    tip: OneEuro
    pinch_pt: OneEuro
    raw: deque[StaticGesture] = field(default_factory=lambda: deque(maxlen=32))
    stable: StaticGesture = "none"
    stable_conf: float = 0.0
    lost: tuple[StaticGesture, int] = ("none", -(10**9))  # the last gesture let go, and when
    centres: deque[tuple[int, float, float]] = field(default_factory=lambda: deque(maxlen=64))
    size: float = 0.1  # palm size, fraction of the frame's width
    swipe_until: int = 0
    drag_at: tuple[float, float] | None = None
    dwell_at: tuple[float, float] | None = None
    dwell_since: int = 0
    dwell_fired: bool = False
    pinch_xy: tuple[float, float] = (0.0, 0.0)
    now: tuple[float, float] = (0.0, 0.0)  # smoothed palm centre, y in frame widths


class DynamicRecognizer:
    """Turns each frame's hands (with their static labels) into gesture events.

    One per camera stream. `mirrored` says whether frames are already mirrored (a selfie preview);
    events are always in the user's view, so an unmirrored frame's x is flipped.
    """

    def __init__(self, config: DynamicConfig | None = None, *, mirrored: bool = False) -> None:
        self.config = config or DynamicConfig()
        self.mirrored = mirrored
        self._tracks: dict[Handedness, _Track] = {}
        self._zoom_base: float | None = None
        self._zoom_last = 1.0

    def stable_gesture(self, hand: Handedness) -> StaticGesture:
        """The debounced static gesture of a tracked hand ("none" when not tracked)."""
        track = self._tracks.get(hand)
        return track.stable if track else "none"

    def reset(self) -> None:
        self._tracks.clear()
        self._zoom_base = None

    def update(self, hands: list[tuple[Hand, StaticResult]], timestamp_ms: int) -> list[GestureEvent]:
        """Events for one frame; `hands` may be empty (no hand: no events, apart from endings)."""
        events: list[GestureEvent] = []
        seen: set[Handedness] = set()
        for hand, result in hands:
            if hand.handedness in seen:
                continue  # two hands with one label: keep the first, tracks are per hand
            seen.add(hand.handedness)
            events += self._update_hand(hand, result, timestamp_ms)
        for side, track in list(self._tracks.items()):
            if side not in seen and timestamp_ms - track.last_ms > self.config.lost_ms:
                events += self._end_drag(side, track, timestamp_ms)
                del self._tracks[side]
        events += self._zoom(timestamp_ms)
        return events

    # -- per hand ---------------------------------------------------------------------------------

    def _view(self, hand: Hand, index: int | tuple[int, ...]) -> np.ndarray:
        """Landmark position(s) in the user's view, fractions of the frame (x flipped if unmirrored)."""
        idx = [index] if isinstance(index, int) else list(index)
        pts = hand.landmarks[idx, :2].mean(axis=0)
        return np.array([pts[0] if self.mirrored else 1.0 - pts[0], pts[1]])

    def _update_hand(self, hand: Hand, result: StaticResult, t: int) -> list[GestureEvent]:
        cfg = self.config
        track = self._tracks.get(hand.handedness)
        if track is None:
            track = _Track(
                last_ms=t,
                palm=OneEuro(cfg.min_cutoff, cfg.beta),
                tip=OneEuro(cfg.min_cutoff, cfg.beta),
                pinch_pt=OneEuro(cfg.min_cutoff, cfg.beta),
            )
            self._tracks[hand.handedness] = track
        track.last_ms = t
        w, h = hand.image_size
        px = hand.pixels()
        palm_px = float(np.linalg.norm(px[MIDDLE[0], :2] - px[WRIST, :2]))
        palm_px = max(palm_px, float(np.linalg.norm(px[INDEX[0], :2] - px[PINKY[0], :2])), 1e-6)
        track.size = 0.7 * track.size + 0.3 * palm_px / w if track.centres else palm_px / w
        centre = track.palm(self._view(hand, (WRIST, INDEX[0], MIDDLE[0], PINKY[0])), t)
        tip = track.tip(self._view(hand, INDEX[3]), t)
        pinch = track.pinch_pt(self._view(hand, (THUMB[3], INDEX[3])), t)
        track.pinch_xy = (float(pinch[0]), float(pinch[1]))
        track.now = (float(centre[0]), float(centre[1]) * h / w)  # y in width units: isotropic
        track.centres.append((t, *track.now))

        events: list[GestureEvent] = []
        label = result.gesture if result.confidence >= cfg.min_confidence else "none"
        track.raw.append(label)
        # Hysteresis: a gesture must hold `confirm_frames` to start, and "none" (a blurred or
        # half-seen hand) must hold `release_frames` to end one, so a flicker never fires twice.
        need = cfg.release_frames if label == "none" else cfg.confirm_frames
        recent = list(track.raw)[-need:]
        if len(recent) == need and all(g == label for g in recent) and label != track.stable:
            events += self._end_drag(hand.handedness, track, t)
            track.centres.clear()  # a change of pose moves the palm: not a swipe
            if track.stable != "none":
                track.lost = (track.stable, t)
            regained = track.lost[0] == label and t - track.lost[1] < cfg.refire_ms
            track.stable, track.stable_conf = label, result.confidence
            if label != "none" and not regained:
                events.append(GestureEvent(label, result.confidence, hand.handedness, t))
        events += self._swipe(hand.handedness, track, t)
        events += self._drag(hand.handedness, track, t)
        events += self._dwell(hand.handedness, track, (float(tip[0]), float(tip[1])), t)
        return events

    def _swipe(self, side: Handedness, track: _Track, t: int) -> list[GestureEvent]:
        cfg = self.config
        if t < track.swipe_until or track.stable in ("fist", "pinch"):
            return []
        window = [c for c in track.centres if t - c[0] <= cfg.swipe_window_ms]
        if len(window) < 3:
            return []
        dx, dy = window[-1][1] - window[0][1], window[-1][2] - window[0][2]
        size = max(track.size, 1e-6)
        main, other = (abs(dx), abs(dy)) if abs(dx) >= abs(dy) else (abs(dy), abs(dx))
        if main / size < cfg.swipe_distance or main < cfg.swipe_ratio * other:
            return []
        if abs(dx) >= abs(dy):
            name = "swipe_right" if dx > 0 else "swipe_left"
        else:
            name = "swipe_down" if dy > 0 else "swipe_up"
        track.swipe_until = t + cfg.swipe_cooldown_ms
        track.centres.clear()
        conf = float(min(1.0, 0.5 + 0.5 * (main / size - cfg.swipe_distance) / cfg.swipe_distance))
        return [GestureEvent(name, conf, side, t)]  # type: ignore[arg-type]

    def _drag(self, side: Handedness, track: _Track, t: int) -> list[GestureEvent]:
        if track.stable not in ("fist", "pinch") or self._zoom_base is not None:
            return []
        x, y = track.now
        if track.drag_at is None:
            track.drag_at = (x, y)
            return [GestureEvent("grab_drag", track.stable_conf, side, t, phase="start", dx=0.0, dy=0.0)]
        dx, dy = x - track.drag_at[0], y - track.drag_at[1]
        if math.hypot(dx, dy) < self.config.drag_deadzone:
            return []
        track.drag_at = (x, y)
        return [GestureEvent("grab_drag", track.stable_conf, side, t, phase="update", dx=dx, dy=dy)]

    def _end_drag(self, side: Handedness, track: _Track, t: int) -> list[GestureEvent]:
        if track.drag_at is None:
            return []
        track.drag_at = None
        return [GestureEvent("grab_drag", track.stable_conf, side, t, phase="end", dx=0.0, dy=0.0)]

    def _dwell(self, side: Handedness, track: _Track, tip: tuple[float, float], t: int) -> list[GestureEvent]:
        cfg = self.config
        if track.stable != "point":
            track.dwell_at, track.dwell_fired = None, False
            return []
        radius = cfg.dwell_radius * track.size
        if track.dwell_at is None or math.dist(tip, track.dwell_at) > radius:
            track.dwell_at, track.dwell_since, track.dwell_fired = tip, t, False
            return []
        if track.dwell_fired or t - track.dwell_since < cfg.dwell_ms:
            return []
        track.dwell_fired = True
        return [GestureEvent("dwell", track.stable_conf, side, t, x=tip[0], y=tip[1])]

    # -- two hands --------------------------------------------------------------------------------

    def _zoom(self, t: int) -> list[GestureEvent]:
        """Both hands pinching: the distance between the pinches over the distance at the start."""
        left, right = self._tracks.get("left"), self._tracks.get("right")
        both = left is not None and right is not None and left.stable == right.stable == "pinch"
        if not both or left is None or right is None:
            if self._zoom_base is None:
                return []
            self._zoom_base = None
            return [GestureEvent("pinch_zoom", 1.0, "right", t, phase="end", scale=self._zoom_last)]
        dist = math.dist(left.pinch_xy, right.pinch_xy)
        if self._zoom_base is None:
            self._zoom_base, self._zoom_last = max(dist, 1e-6), 1.0
            events = [GestureEvent("pinch_zoom", 1.0, "right", t, phase="start", scale=1.0)]
            for side, track in (("left", left), ("right", right)):
                events += self._end_drag(side, track, t)  # type: ignore[arg-type]
            return events
        scale = dist / self._zoom_base
        if abs(scale - self._zoom_last) < self.config.zoom_deadzone:
            return []
        self._zoom_last = scale
        return [GestureEvent("pinch_zoom", 1.0, "right", t, phase="update", scale=scale)]
