"""The showroom's interaction state machine: browse along the plinths, inspect one product.

`update(dt, actions)` is the only way state changes, and it is deterministic: the same
actions and time steps give the same frames, so all of it is tested without a GPU.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from scenes.actions import (
    Action,
    Back,
    FocusNext,
    FocusPrevious,
    FocusProduct,
    HandCursor,
    Inspect,
    NextVariant,
    Orbit,
    SelectVariant,
    Zoom,
)
from scenes.graph import Camera, FrameScene, Light, Mode, PlinthNode, ProductNode
from scenes.layout import Layout, SlotPose
from scenes.math3d import Vec3, rotation_y, translation, vec3

__all__ = ["ProductSlot", "Showroom", "StateSnapshot"]


@dataclass(frozen=True)
class ProductSlot:
    """What the state machine needs of a product: its id, colourway count and display height."""

    product_id: str
    variant_count: int = 0
    height: float = 1.0


@dataclass(frozen=True)
class StateSnapshot:
    """The part of the state that clients follow (overlays, assistant)."""

    mode: Mode
    focused: str | None
    variant: int | None


def _ease(current: Vec3, target: Vec3, rate: float, dt: float) -> Vec3:
    """Frame-rate independent exponential approach."""
    k = 1.0 - math.exp(-rate * dt)
    return (current + (target - current) * k).astype(np.float32)


class Showroom:
    def __init__(self, layout: Layout, slots: Sequence[ProductSlot]) -> None:
        ids = [s.product_id for s in slots]
        if len(set(ids)) != len(ids):
            raise ValueError("product ids in a showroom must be unique")
        self.layout = layout
        self.slots = tuple(slots)
        self._poses = tuple(layout.slot(i, len(slots)) for i in range(len(slots)))
        self.mode = Mode.BROWSE
        self.focused_index: int | None = 0 if slots else None
        self.variants: dict[str, int] = {s.product_id: 0 for s in slots if s.variant_count > 0}
        self.time = 0.0
        self.hand: tuple[float, float] | None = None
        self._spin = [0.0] * len(slots)
        self._focus_level = [0.0] * len(slots)
        self._orbit_yaw = 0.0
        self._orbit_pitch = math.radians(15.0)
        self._distance = layout.camera.inspect_distance
        eye, target = self._camera_goal()
        self._eye, self._target = eye, target

    # -- queries -----------------------------------------------------------------------------
    @property
    def focused_id(self) -> str | None:
        return None if self.focused_index is None else self.slots[self.focused_index].product_id

    def snapshot(self) -> StateSnapshot:
        focused = self.focused_id
        return StateSnapshot(self.mode, focused, None if focused is None else self.variants.get(focused))

    def pose(self, index: int) -> SlotPose:
        return self._poses[index]

    # -- the one mutator --------------------------------------------------------------------
    def update(self, dt: float, actions: Iterable[Action] = ()) -> bool:
        """Apply actions in order, then advance animations by dt seconds; True if the snapshot changed."""
        if dt < 0 or not math.isfinite(dt):
            raise ValueError(f"dt must be a finite non-negative number of seconds, got {dt}")
        before = self.snapshot()
        for action in actions:
            self._apply(action)
        self._advance(dt)
        return self.snapshot() != before

    def _apply(self, action: Action) -> None:
        if isinstance(action, HandCursor):
            self.hand = action.position
            return
        n = len(self.slots)
        if n == 0 or self.focused_index is None:
            return
        match action:
            case FocusNext() | FocusPrevious():
                step = 1 if isinstance(action, FocusNext) else -1
                self._set_focus((self.focused_index + step) % n)
            case FocusProduct(product_id=pid):
                for i, slot in enumerate(self.slots):
                    if slot.product_id == pid:
                        self._set_focus(i)
            case Inspect():
                if self.mode is Mode.BROWSE:
                    self.mode = Mode.INSPECT
                    self._orbit_yaw = -self._spin[self.focused_index]
                    self._orbit_pitch = math.radians(15.0)
                    self._distance = self.layout.camera.inspect_distance
            case Back():
                self.mode = Mode.BROWSE
            case Orbit(yaw=dyaw, pitch=dpitch):
                if self.mode is Mode.INSPECT:
                    rig = self.layout.camera
                    self._orbit_yaw += dyaw
                    lo, hi = math.radians(rig.pitch_min_deg), math.radians(rig.pitch_max_deg)
                    self._orbit_pitch = min(hi, max(lo, self._orbit_pitch + dpitch))
            case Zoom(factor=factor):
                if self.mode is Mode.INSPECT and factor > 0 and math.isfinite(factor):
                    rig = self.layout.camera
                    d = self._distance / factor
                    self._distance = min(rig.inspect_max_distance, max(rig.inspect_min_distance, d))
            case SelectVariant(index=index):
                slot = self.slots[self.focused_index]
                if 0 <= index < slot.variant_count:
                    self.variants[slot.product_id] = index
            case NextVariant():
                slot = self.slots[self.focused_index]
                if slot.variant_count > 0:
                    self.variants[slot.product_id] = (self.variants[slot.product_id] + 1) % slot.variant_count

    def _set_focus(self, index: int) -> None:
        if index != self.focused_index:
            self.focused_index = index
            self.mode = Mode.BROWSE

    def _advance(self, dt: float) -> None:
        self.time += dt
        spin = math.radians(self.layout.turntable_speed_deg) * dt
        for i in range(len(self.slots)):
            focused = i == self.focused_index
            # The highlight moves at once, like a TV's focus ring, so the very first frame after a
            # key press shows it; the camera glides after it.
            self._focus_level[i] = 1.0 if focused else 0.0
            if focused and self.mode is Mode.BROWSE:
                self._spin[i] = (self._spin[i] + spin) % (2 * math.pi)
        eye, target = self._camera_goal()
        rate = self.layout.camera.smoothing
        self._eye = _ease(self._eye, eye, rate, dt)
        self._target = _ease(self._target, target, rate, dt)

    def _camera_goal(self) -> tuple[Vec3, Vec3]:
        rig = self.layout.camera
        if self.focused_index is None:
            return vec3(0.0, rig.browse_height, rig.browse_distance), vec3(0.0, rig.look_height, 0.0)
        pose = self._poses[self.focused_index]
        base = vec3(pose.x, 0.0, pose.z)
        if self.mode is Mode.BROWSE:
            facing = vec3(math.sin(pose.yaw), 0.0, math.cos(pose.yaw))
            return base + facing * rig.browse_distance + vec3(0, rig.browse_height, 0), base + vec3(
                0, rig.look_height, 0
            )
        # Inspect: orbit around the product's middle, angles relative to the way it faces.
        centre = base + vec3(
            0.0, self.layout.plinth.height + self.slots[self.focused_index].height * 0.5, 0.0
        )
        yaw = pose.yaw + self._orbit_yaw
        cp = math.cos(self._orbit_pitch)
        offset = vec3(math.sin(yaw) * cp, math.sin(self._orbit_pitch), math.cos(yaw) * cp)
        return centre + offset * self._distance, centre

    # -- output -----------------------------------------------------------------------------
    def frame(self) -> FrameScene:
        """The scene to draw now; a pure read of the state."""
        lights = self.layout.lights
        direction = np.array(lights.key_direction, np.float32)
        key = Light(
            direction=direction / float(np.linalg.norm(direction)),
            color=np.array(lights.key_color, np.float32),
            intensity=lights.key_intensity,
        )
        plinth = self.layout.plinth
        products, plinths = [], []
        for i, slot in enumerate(self.slots):
            pose = self._poses[i]
            base = (translation(pose.x, 0.0, pose.z) @ rotation_y(pose.yaw)).astype(np.float32)
            plinths.append(PlinthNode(base, plinth.radius, plinth.height, self._focus_level[i]))
            top = (base @ translation(0.0, plinth.height, 0.0) @ rotation_y(self._spin[i])).astype(np.float32)
            products.append(
                ProductNode(slot.product_id, top, self.variants.get(slot.product_id), self._focus_level[i])
            )
        camera = Camera(eye=self._eye.copy(), target=self._target.copy(), fov_deg=self.layout.camera.fov_deg)
        return FrameScene(camera, key, tuple(products), tuple(plinths), self.time, self.mode, self.hand)
