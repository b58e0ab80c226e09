"""The assistant's bone hierarchy, its rest pose, and forward kinematics to skinning matrices.

A hovering hologram needs no legs: hips carry a tapered skirt of light. Bones are listed parents
first, so forward kinematics is one pass. Figure space: feet (the floor) at the origin, +Y up,
the figure faces +Z, its left hand is on +X.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "BIND_POSITIONS",
    "BONE_COUNT",
    "SKELETON",
    "Bone",
    "BoneSpec",
    "Pose",
    "axis_angle",
    "rotate_onto",
    "skinning_matrices",
    "world_matrices",
]

Matrices = npt.NDArray[np.float32]


class Bone(IntEnum):
    ROOT = 0
    HIPS = 1
    SPINE = 2
    CHEST = 3
    NECK = 4
    HEAD = 5
    JAW = 6
    MOUTH = 7
    EYES = 8
    SHOULDER_L = 9
    UPPER_ARM_L = 10
    FOREARM_L = 11
    HAND_L = 12
    SHOULDER_R = 13
    UPPER_ARM_R = 14
    FOREARM_R = 15
    HAND_R = 16
    SKIRT = 17


@dataclass(frozen=True)
class BoneSpec:
    bone: Bone
    parent: Bone | None
    offset: tuple[float, float, float]  # joint position relative to the parent's joint, at rest


def _arm(side: float, shoulder: Bone, upper: Bone, fore: Bone, hand: Bone) -> tuple[BoneSpec, ...]:
    # At rest the arms hang slightly away from the body (an A pose), so skinning bends little.
    return (
        BoneSpec(shoulder, Bone.CHEST, (0.06 * side, 0.15, -0.01)),
        BoneSpec(upper, shoulder, (0.125 * side, -0.005, 0.0)),
        BoneSpec(fore, upper, (0.035 * side, -0.265, 0.0)),
        BoneSpec(hand, fore, (0.025 * side, -0.235, 0.01)),
    )


SKELETON: tuple[BoneSpec, ...] = (
    BoneSpec(Bone.ROOT, None, (0.0, 0.0, 0.0)),
    BoneSpec(Bone.HIPS, Bone.ROOT, (0.0, 0.80, 0.0)),
    BoneSpec(Bone.SPINE, Bone.HIPS, (0.0, 0.12, 0.0)),
    BoneSpec(Bone.CHEST, Bone.SPINE, (0.0, 0.16, 0.0)),
    BoneSpec(Bone.NECK, Bone.CHEST, (0.0, 0.20, -0.005)),
    BoneSpec(Bone.HEAD, Bone.NECK, (0.0, 0.07, 0.0)),
    BoneSpec(Bone.JAW, Bone.HEAD, (0.0, 0.06, 0.0)),
    BoneSpec(Bone.MOUTH, Bone.JAW, (0.0, 0.01, 0.12)),
    BoneSpec(Bone.EYES, Bone.HEAD, (0.0, 0.128, 0.12)),
    *_arm(1.0, Bone.SHOULDER_L, Bone.UPPER_ARM_L, Bone.FOREARM_L, Bone.HAND_L),
    *_arm(-1.0, Bone.SHOULDER_R, Bone.UPPER_ARM_R, Bone.FOREARM_R, Bone.HAND_R),
    BoneSpec(Bone.SKIRT, Bone.HIPS, (0.0, 0.0, 0.0)),
)
BONE_COUNT = len(SKELETON)
assert [spec.bone for spec in SKELETON] == list(Bone), "bones must be listed in index order, parents first"


def _bind_positions() -> npt.NDArray[np.float32]:
    out = np.zeros((BONE_COUNT, 3), np.float32)
    for spec in SKELETON:
        parent = out[spec.parent] if spec.parent is not None else np.zeros(3, np.float32)
        out[spec.bone] = parent + np.array(spec.offset, np.float32)
    return out


BIND_POSITIONS = _bind_positions()  # each joint in figure space at rest


def axis_angle(axis: tuple[float, float, float] | npt.NDArray[np.float32], angle: float) -> Matrices:
    """3x3 rotation by `angle` radians about `axis` (Rodrigues)."""
    a = np.asarray(axis, np.float64)
    a = a / max(float(np.linalg.norm(a)), 1e-12)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    m: Matrices = (np.identity(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)).astype(
        np.float32
    )
    return m


def rotate_onto(src: npt.NDArray[np.float32], dst: npt.NDArray[np.float32]) -> Matrices:
    """The shortest rotation taking direction `src` onto direction `dst`."""
    s = src / max(float(np.linalg.norm(src)), 1e-12)
    d = dst / max(float(np.linalg.norm(dst)), 1e-12)
    axis = np.cross(s, d)
    sin = float(np.linalg.norm(axis))
    cos = float(np.dot(s, d))
    if sin < 1e-8:
        if cos > 0:
            return np.identity(3, np.float32)
        # Opposite: any axis perpendicular to src will do.
        other = np.array([1.0, 0.0, 0.0], np.float32) if abs(s[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
        return axis_angle(np.cross(s, other).astype(np.float32), math.pi)
    return axis_angle(axis.astype(np.float32), math.atan2(sin, cos))


@dataclass
class Pose:
    """Each bone's local rotation, extra translation and scale on top of the rest pose."""

    rotations: Matrices = field(
        default_factory=lambda: np.tile(np.identity(3, np.float32), (BONE_COUNT, 1, 1))
    )
    translations: Matrices = field(default_factory=lambda: np.zeros((BONE_COUNT, 3), np.float32))
    scales: Matrices = field(default_factory=lambda: np.ones((BONE_COUNT, 3), np.float32))


def world_matrices(pose: Pose) -> Matrices:
    """Forward kinematics: each bone's joint frame in figure space, (B, 4, 4)."""
    out = np.zeros((BONE_COUNT, 4, 4), np.float32)
    local = np.identity(4, np.float32)
    for spec in SKELETON:
        i = spec.bone
        local[:3, :3] = pose.rotations[i] * pose.scales[i][None, :]
        local[:3, 3] = np.array(spec.offset, np.float32) + pose.translations[i]
        out[i] = out[spec.parent] @ local if spec.parent is not None else local
    return out


def skinning_matrices(pose: Pose) -> Matrices:
    """World matrices times the inverse bind matrices: bind space -> figure space, (B, 4, 4)."""
    world = world_matrices(pose)
    skin = world.copy()
    # The bind pose has no rotation, so its inverse is a translation by minus the joint position.
    skin[:, :3, 3] -= np.einsum("bij,bj->bi", world[:, :3, :3], BIND_POSITIONS)
    return skin
