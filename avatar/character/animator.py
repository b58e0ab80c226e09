"""The assistant's procedural animation: idle, listening, talking, pointing, moving between spots.

Each behaviour is a layer of bone rotations whose weight eases in and out, so any change of
state blends instead of snapping. Everything advances only through `update(dt, mouth)`: the
same calls give the same poses (no wall clock, no randomness), so it tests without a screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from avatar.character.placement import FIGURE_SCALE, wrap_deg, yaw_deg
from avatar.character.skeleton import (
    BIND_POSITIONS,
    BONE_COUNT,
    Bone,
    Pose,
    rotate_onto,
    skinning_matrices,
    world_matrices,
)
from avatar.mouth import CLOSED, MouthShape
from scenes.graph import FigureNode
from scenes.math3d import Mat4, Vec3, rotation_y, scaling, translation

__all__ = ["GLIDE_MAX_DISTANCE", "Animator", "CharacterState"]

GLIDE_MAX_DISTANCE = 3.0  # metres: farther moves beam out and in rather than glide past the plinths
_GLIDE_SPEED = 1.6  # metres per second at the middle of a glide
_BEAM_OUT, _BEAM_IN = 0.35, 0.45  # seconds to dematerialise and to materialise again
_TAU = 2.0 * math.pi


class CharacterState(StrEnum):
    IDLE = "idle"
    LISTENING = "listening"
    TALKING = "talking"
    POINTING = "pointing"
    WALKING = "walking"


@dataclass
class _Move:
    start: Vec3
    goal: Vec3
    facing_deg: float
    duration: float
    beam: bool
    elapsed: float = 0.0


def _approach(rate: float, dt: float) -> float:
    """Fraction of the way to a target covered in dt by an exponential ease at `rate` per second."""
    return 1.0 - math.exp(-rate * dt)


def _smooth(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


def _euler(x: float, y: float, z: float) -> npt.NDArray[np.float32]:
    """Ry(y) @ Rx(x) @ Rz(z): yaw, then pitch (+x tips the bone's +Y toward +Z), then roll."""
    cx, sx, cy, sy, cz, sz = math.cos(x), math.sin(x), math.cos(y), math.sin(y), math.cos(z), math.sin(z)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]], np.float32)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]], np.float32)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]], np.float32)
    out: npt.NDArray[np.float32] = (ry @ rx @ rz).astype(np.float32)
    return out


# (side, shoulder, upper arm, forearm, hand): +1 the figure's left, -1 its right.
_ARMS = (
    (1.0, Bone.SHOULDER_L, Bone.UPPER_ARM_L, Bone.FOREARM_L, Bone.HAND_L),
    (-1.0, Bone.SHOULDER_R, Bone.UPPER_ARM_R, Bone.FOREARM_R, Bone.HAND_R),
)


class Animator:
    """One assistant's body: commands set goals, `update` moves toward them and returns the pose."""

    def __init__(self, home: Vec3, facing_deg: float, *, scale: float = FIGURE_SCALE) -> None:
        self.position = np.asarray(home, np.float32).copy()
        self.facing_deg = wrap_deg(facing_deg)
        self.scale = scale
        self.time = 0.0
        self._goal_facing = self.facing_deg
        self._listening = False
        self._target: Vec3 | None = None
        self._arm_side = -1.0  # -1: right arm, +1: left arm
        self._move: _Move | None = None
        self._talking = False
        self._w = {"listen": 0.0, "talk": 0.0, "point": 0.0, "walk": 0.0}
        self._mouth = CLOSED
        self._energy = 0.0  # how much the mouth moves lately: drives nods and gestures
        self._turn_deg = 0.0  # extra yaw toward a pointing target
        self._point_dir = np.array([0.0, -1.0, 0.0], np.float32)  # figure space, eased
        self._presence = 1.0
        self._speed = 0.0
        self._travel_deg = 0.0

    # -- commands ---------------------------------------------------------------------------
    def listen(self, on: bool) -> None:
        self._listening = on

    def point_at(self, target: Vec3 | None) -> None:
        """Turn toward a world position and raise the nearer arm at it; None lowers the arm."""
        if target is None:
            self._target = None
            return
        self._target = np.asarray(target, np.float32).copy()
        local = np.linalg.inv(self._root_matrix(self.facing_deg)) @ np.append(self._target, 1.0)
        self._arm_side = 1.0 if local[0] > 0 else -1.0

    def move_to(self, spot: Vec3, facing_deg: float) -> None:
        """Go to a floor spot and face `facing_deg`: a glide nearby, a beam out and in when far."""
        goal = np.asarray(spot, np.float32).copy()
        goal[1] = 0.0
        distance = float(np.linalg.norm(goal - self.position))
        self._goal_facing = wrap_deg(facing_deg)
        if distance < 1e-3:
            self._move = None
            return
        beam = distance > GLIDE_MAX_DISTANCE
        # A smootherstep glide peaks at 15/8 of its mean speed.
        duration = _BEAM_OUT + _BEAM_IN if beam else max(0.9, distance / _GLIDE_SPEED * 15.0 / 8.0 * 0.6)
        self._move = _Move(self.position.copy(), goal, self._goal_facing, duration, beam)
        delta = goal - self.position
        self._travel_deg = yaw_deg(delta)

    # -- queries ----------------------------------------------------------------------------
    @property
    def state(self) -> CharacterState:
        if self._move is not None:
            return CharacterState.WALKING
        if self._target is not None:
            return CharacterState.POINTING
        if self._talking:
            return CharacterState.TALKING
        if self._listening:
            return CharacterState.LISTENING
        return CharacterState.IDLE

    @property
    def target(self) -> Vec3 | None:
        return None if self._target is None else self._target.copy()

    # -- the one mutator --------------------------------------------------------------------
    def update(self, dt: float, mouth: MouthShape | None) -> FigureNode:
        """Advance by dt seconds; `mouth` is the voice's mouth now, None when it is not talking."""
        if dt < 0 or not math.isfinite(dt):
            raise ValueError(f"dt must be a finite non-negative number of seconds, got {dt}")
        self.time += dt
        self._talking = mouth is not None
        self._advance_move(dt)
        moving = self._move is not None
        pointing = self._target is not None and not moving
        goals = {
            "listen": 1.0 if self._listening and not self._talking else 0.0,
            "talk": 1.0 if self._talking else 0.0,
            "point": 1.0 if pointing else 0.0,
            "walk": 1.0 if moving else 0.0,
        }
        for name, goal in goals.items():
            self._w[name] += (goal - self._w[name]) * _approach(6.0, dt)
        target_mouth = mouth if mouth is not None else CLOSED
        self._mouth = self._mouth.mix(target_mouth, _approach(30.0, dt))
        self._energy += (target_mouth.open - self._energy) * _approach(3.0, dt)
        if not moving:
            self.facing_deg = wrap_deg(
                self.facing_deg + wrap_deg(self._goal_facing - self.facing_deg) * _approach(5.0, dt)
            )
        self._turn_deg += (self._turn_goal() - self._turn_deg) * _approach(5.0, dt)
        root = self._root_matrix(self.facing_deg + self._turn_deg)
        pose = self._pose(dt, root)
        glow = 0.2 + 0.45 * self._w["listen"] + self._w["talk"] * (0.55 + 0.25 * self._energy)
        return FigureNode(
            transform=root,
            bones=skinning_matrices(pose),
            mouth=(self._mouth.open, self._mouth.wide, self._mouth.round),
            glow=min(1.0, glow + 0.2 * self._w["point"]),
            state=str(self.state),
            presence=self._presence,
        )

    # -- internals --------------------------------------------------------------------------
    def _root_matrix(self, yaw_deg: float) -> Mat4:
        x, y, z = (float(v) for v in self.position)
        m = (
            translation(x, y, z)
            @ rotation_y(math.radians(yaw_deg))
            @ scaling(self.scale, self.scale, self.scale)
        )
        return m.astype(np.float32)

    def _advance_move(self, dt: float) -> None:
        move = self._move
        if move is None:
            self._speed = 0.0
            self._presence = min(1.0, self._presence + dt / _BEAM_IN)
            return
        move.elapsed = min(move.duration, move.elapsed + dt)
        before = self.position.copy()
        if move.beam:
            if move.elapsed < _BEAM_OUT:
                self._presence = 1.0 - move.elapsed / _BEAM_OUT
            else:
                # Gone: arrive, already facing the shopper, and materialise from the floor up.
                self.position = move.goal.copy()
                self.facing_deg = move.facing_deg
                self._presence = min(1.0, (move.elapsed - _BEAM_OUT) / _BEAM_IN)
        else:
            s = move.elapsed / move.duration
            self.position = (move.start + (move.goal - move.start) * _smooth(s)).astype(np.float32)
            # Turn into the direction of travel, then back to the goal's facing on arrival.
            heading = self._travel_deg if s < 0.7 else move.facing_deg
            rate = 9.0 if s < 0.7 else 7.0
            self.facing_deg = wrap_deg(
                self.facing_deg + wrap_deg(heading - self.facing_deg) * _approach(rate, dt)
            )
        self._speed = float(np.linalg.norm(self.position - before)) / dt if dt > 0 else self._speed
        if move.elapsed >= move.duration:
            self.position = move.goal.copy()
            self._move = None
            self._presence = 1.0

    def _turn_goal(self) -> float:
        """Degrees to turn toward a pointing target: most of the way, staying open to the shopper."""
        if self._target is None or self._move is not None:
            return 0.0
        delta = self._target - self.position
        toward = yaw_deg(delta)
        return 0.45 * wrap_deg(toward - self.facing_deg)

    def _pose(self, dt: float, root: Mat4) -> Pose:
        t = self.time
        w = self._w
        angles = np.zeros((BONE_COUNT, 3), np.float32)  # (pitch x, yaw y, roll z) per bone
        pose = Pose()

        # Idle: breathe, hover, sway, glance around, arms relaxed; always underneath the rest.
        breath = math.sin(_TAU * t / 4.2)
        sway = math.sin(_TAU * t / 5.3)
        pose.translations[Bone.HIPS, 1] = 0.014 * math.sin(_TAU * t / 3.1)
        angles[Bone.SPINE] += (0.0, 0.0, 0.025 * sway)
        angles[Bone.CHEST] += (-0.02 * breath, 0.03 * math.sin(_TAU * t / 9.0), 0.0)
        angles[Bone.SKIRT] += (
            0.03 * math.sin(_TAU * t / 3.1 + 1.0),
            0.0,
            -0.05 * math.sin(_TAU * t / 5.3 - 0.8),
        )
        angles[Bone.HEAD] += (
            0.03 * math.sin(_TAU * t / 6.1),
            0.16 * math.sin(_TAU * t / 7.7) * math.sin(_TAU * t / 13.1),
            0.03 * sway,
        )
        for side, shoulder, upper, fore, hand in _ARMS:
            angles[shoulder] += (0.0, 0.0, 0.02 * side * breath)
            angles[upper] += (-0.06, 0.0, side * (0.05 + 0.02 * breath))
            angles[fore] += (-0.3 - 0.03 * breath, 0.0, 0.0)
            angles[hand] += (0.0, side * 0.3, 0.0)

        # Listening: lean in, tilt the head, hands meet in front.
        wl = w["listen"]
        angles[Bone.SPINE] += (0.07 * wl, 0.0, 0.0)
        angles[Bone.NECK] += (0.05 * wl, 0.0, 0.0)
        angles[Bone.HEAD] += (0.06 * wl, 0.0, 0.17 * wl)
        for side, _shoulder, upper, fore, hand in _ARMS:
            angles[upper] += (-0.3 * wl, 0.0, -side * 0.28 * wl)
            angles[fore] += (-1.0 * wl, -side * 0.5 * wl, 0.0)
            angles[hand] += (0.0, -side * 0.4 * wl, 0.0)

        # Talking: nods with the speech's energy, beat gestures with an open hand.
        wt = w["talk"]
        e = 0.35 + 0.65 * self._energy
        beat = math.sin(_TAU * t * 0.9) * math.sin(_TAU * t * 0.31 + 0.5)
        angles[Bone.HEAD] += (
            wt * e * 0.06 * math.sin(_TAU * t * 1.7),
            wt * 0.07 * math.sin(_TAU * t * 0.43),
            wt * 0.04 * math.sin(_TAU * t * 0.61),
        )
        angles[Bone.CHEST] += (0.0, wt * 0.05 * math.sin(_TAU * t * 0.37), 0.0)
        for side, shoulder, upper, fore, hand in _ARMS:
            lead = 1.0 if side == self._arm_side else 0.5  # one hand leads the gestures
            free = wt * lead
            angles[shoulder] += (0.0, 0.0, side * free * 0.04 * e * beat)
            angles[upper] += (-free * (0.3 + 0.12 * e * beat), 0.0, side * free * 0.18)
            angles[fore] += (-free * (0.85 + 0.3 * e * beat), 0.0, 0.0)
            angles[hand] += (0.0, side * free * 0.5, -side * free * 0.4)

        # Moving: lean into the glide, the skirt trails, the arms swing back a little.
        ww = w["walk"]
        speed = min(1.0, self._speed / _GLIDE_SPEED)
        angles[Bone.SPINE] += (0.16 * ww * speed, 0.0, 0.0)
        angles[Bone.SKIRT] += (0.3 * ww * speed, 0.0, 0.0)
        for side, _shoulder, upper, fore, _hand in _ARMS:
            angles[upper] += (0.25 * ww * speed, 0.0, side * 0.1 * ww)
            angles[fore] += (-0.2 * ww, 0.0, 0.0)

        # Mouth: the jaw drops with "open", the mouth bone scales its slit.
        m = self._mouth
        angles[Bone.JAW] += (0.2 * m.open, 0.0, 0.0)
        pose.scales[Bone.MOUTH] = (
            1.0 + 0.35 * m.wide - 0.35 * m.round,
            0.3 + 1.1 * m.open + 0.35 * m.round,
            1.0 + 0.6 * m.round,
        )
        # Blink about every four seconds, each blink 0.16 s, a double blink now and then.
        phase = (t + 1.3) % 4.1
        blink = max(self._blink(phase), self._blink(phase - 0.32) if int((t + 1.3) / 4.1) % 3 == 1 else 0.0)
        pose.scales[Bone.EYES] = (1.0 + 0.05 * wl, max(0.08, 1.0 - blink) * (1.0 + 0.06 * wl), 1.0)

        for bone in Bone:
            x, y, z = (float(v) for v in angles[bone])
            if x or y or z:
                pose.rotations[bone] = _euler(x, y, z)
        self._aim(pose, dt, root)
        return pose

    @staticmethod
    def _blink(phase: float) -> float:
        return max(0.0, 1.0 - abs(phase - 0.08) / 0.08) if 0.0 <= phase <= 0.16 else 0.0

    def _aim(self, pose: Pose, dt: float, root: Mat4) -> None:
        """Pointing: the arm on the target's side straightens toward it, the head looks at it."""
        wp = self._w["point"]
        if self._target is not None:
            local = (np.linalg.inv(root) @ np.append(self._target, 1.0))[:3].astype(np.float32)
            shoulder = BIND_POSITIONS[Bone.UPPER_ARM_L if self._arm_side > 0 else Bone.UPPER_ARM_R]
            wanted = local - shoulder
            wanted /= max(float(np.linalg.norm(wanted)), 1e-6)
            self._point_dir += (wanted - self._point_dir) * _approach(8.0, dt)
        if wp < 1e-3:
            return
        _side, shoulder, upper, fore, hand = next(a for a in _ARMS if a[0] == self._arm_side)
        world = world_matrices(pose)
        parent = world[shoulder, :3, :3]
        rest = BIND_POSITIONS[fore] - BIND_POSITIONS[upper]
        current = world[upper, :3, :3] @ rest
        current /= max(float(np.linalg.norm(current)), 1e-6)
        # Aim a little low: a hand held at the product, not an arm raised to the sky.
        aim = self._point_dir + np.array([0.0, -0.15, 0.0], np.float32)
        blended = current * (1.0 - wp) + aim / max(float(np.linalg.norm(aim)), 1e-6) * wp
        pose.rotations[upper] = rotate_onto(rest, parent.T @ blended)
        keep = np.identity(3, np.float32) * wp + pose.rotations[fore] * (1.0 - wp)
        u, _s, vt = np.linalg.svd(keep)  # back to a rotation after the blend
        pose.rotations[fore] = (u @ vt).astype(np.float32) @ rotate_onto(
            np.array([0.0, -1.0, 0.0], np.float32), np.array([0.0, -1.0, -0.25 * wp], np.float32)
        )
        pose.rotations[hand] = np.identity(3, np.float32)
        # The head turns toward the target (the body already turned most of the way).
        head = world[Bone.NECK, :3, :3].T @ self._point_dir
        yaw = math.atan2(float(head[0]), float(head[2]))
        pitch = -math.atan2(float(head[1]), math.hypot(float(head[0]), float(head[2])))
        look = _euler(0.3 * wp * pitch, 0.4 * wp * yaw, 0.0)
        pose.rotations[Bone.HEAD] = look @ pose.rotations[Bone.HEAD]
