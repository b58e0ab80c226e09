"""The assistant's mesh, built here from lathed primitives: no downloaded model, no rig file.

Every vertex is bound to at most two bones (rigid parts use one), and carries its part (body,
face plate, eyes, mouth, skirt, floor pad, accents) so the shader can give each its own light,
and a fade factor (the skirt of light thins out towards the floor). The mouth is its own bone:
the animator scales it from the `MouthShape` while the jaw bone drops the chin.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from assets.gltf_loader import smooth_normals
from avatar.character.skeleton import BIND_POSITIONS, Bone, axis_angle, rotate_onto

__all__ = ["VERTEX_FLOATS", "FigureMesh", "Part", "build_figure_mesh", "figure_mesh"]

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]
# Per vertex: position 3, normal 3, two bone indices, the first bone's weight, part, fade.
VERTEX_FLOATS = 11


class Part(IntEnum):
    BODY = 0
    FACE = 1  # the dark face plate the eyes and mouth glow on
    EYES = 2
    MOUTH = 3
    SKIRT = 4
    PAD = 5  # the light projector on the floor
    ACCENT = 6  # waist ring, chest emblem, ear pods


@dataclass(frozen=True)
class FigureMesh:
    vertices: Floats  # (N, VERTEX_FLOATS)
    indices: npt.NDArray[np.uint32]  # (T, 3), counter-clockwise seen from outside

    @property
    def positions(self) -> Floats:
        return self.vertices[:, 0:3]

    @property
    def normals(self) -> Floats:
        return self.vertices[:, 3:6]

    @property
    def bone_indices(self) -> Ints:
        return self.vertices[:, 6:8].astype(np.int64)

    @property
    def weights(self) -> Floats:
        """(N, 2): the two bones' weights, summing to one."""
        w = self.vertices[:, 8]
        return np.stack([w, 1.0 - w], axis=1)

    @property
    def parts(self) -> Ints:
        return self.vertices[:, 9].astype(np.int64)

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0])


Weights = Callable[[Floats], tuple[Ints, Floats]]  # positions -> (bone pairs (N, 2), first weights (N,))


def rigid(bone: Bone) -> Weights:
    def weights(p: Floats) -> tuple[Ints, Floats]:
        return np.full((len(p), 2), int(bone), np.int64), np.ones(len(p), np.float32)

    return weights


def along(keys: Sequence[tuple[float, Bone]], origin: Floats, direction: Floats) -> Weights:
    """Blend between consecutive bones by distance along an axis: keys are (distance, bone)."""
    d = direction / float(np.linalg.norm(direction))

    def weights(p: Floats) -> tuple[Ints, Floats]:
        s = (p - origin) @ d
        bones = np.full((len(p), 2), int(keys[0][1]), np.int64)
        w = np.ones(len(p), np.float32)
        for (s0, b0), (s1, b1) in zip(keys, keys[1:], strict=False):
            inside = s >= s0
            t = np.clip((s[inside] - s0) / (s1 - s0), 0.0, 1.0)
            t = t * t * (3.0 - 2.0 * t)
            bones[inside] = (int(b0), int(b1))
            w[inside] = 1.0 - t
        return bones, w

    return weights


def _lathe(
    profile: Sequence[tuple[float, float]], segments: int, scale: tuple[float, float] = (1.0, 1.0)
) -> tuple[Floats, Ints]:
    """A surface of revolution about +Y: profile is (height, radius); a zero radius is a pole."""
    positions: list[Floats] = []
    rings: list[Ints] = []
    count = 0
    angles = np.arange(segments) * (2.0 * math.pi / segments)
    for y, r in profile:
        if r <= 1e-9:
            positions.append(np.array([[0.0, y, 0.0]], np.float32))
            rings.append(np.full(segments, count, np.int64))
            count += 1
        else:
            ring = np.stack(
                [np.sin(angles) * r * scale[0], np.full(segments, y), np.cos(angles) * r * scale[1]], axis=1
            )
            positions.append(ring.astype(np.float32))
            rings.append(np.arange(count, count + segments, dtype=np.int64))
            count += segments
    faces = []
    for lo, hi in zip(rings, rings[1:], strict=False):
        lo1, hi1 = np.roll(lo, -1), np.roll(hi, -1)
        faces.append(np.stack([lo, lo1, hi], axis=1))
        faces.append(np.stack([hi, lo1, hi1], axis=1))
    tris = np.concatenate(faces)
    keep = (tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2]) & (tris[:, 0] != tris[:, 2])
    return np.concatenate(positions), tris[keep]


def _ellipsoid_profile(radius_y: float, rings: int) -> list[tuple[float, float]]:
    return [
        (-radius_y * math.cos(math.pi * i / rings), math.sin(math.pi * i / rings)) for i in range(rings + 1)
    ]


def _capsule_profile(
    length: float, r0: float, r1: float, rings: int, cap: int = 4
) -> list[tuple[float, float]]:
    out = [
        (-r0 * math.cos(0.5 * math.pi * i / cap), r0 * math.sin(0.5 * math.pi * i / cap)) for i in range(cap)
    ]
    out += [(length * i / rings, r0 + (r1 - r0) * i / rings) for i in range(rings + 1)]
    out += [
        (length + r1 * math.sin(0.5 * math.pi * i / cap), r1 * math.cos(0.5 * math.pi * i / cap))
        for i in range(1, cap + 1)
    ]
    return out


def _torus(major: float, minor: float, segments: int, sides: int, scale_z: float) -> tuple[Floats, Ints]:
    u = np.arange(segments) * (2.0 * math.pi / segments)
    v = np.arange(sides) * (2.0 * math.pi / sides)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    ring = major + minor * np.cos(vv)
    pos = np.stack([np.sin(uu) * ring, minor * np.sin(vv), np.cos(uu) * ring * scale_z], axis=-1)
    idx = np.arange(segments * sides).reshape(segments, sides)
    a, b = idx, np.roll(idx, -1, axis=0)
    c, d = np.roll(idx, -1, axis=1), np.roll(np.roll(idx, -1, axis=0), -1, axis=1)
    faces = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([c, b, d], -1).reshape(-1, 3)])
    return pos.reshape(-1, 3).astype(np.float32), faces


def _disc(radii: Sequence[float], segments: int) -> tuple[Floats, Ints]:
    """A flat disc facing +Y made of concentric rings (for per-ring fades)."""
    pos, faces = _lathe([(0.0, 0.0), *((0.0, r) for r in radii)], segments)
    # Lathed rings of equal height go outward: flip so the disc faces up.
    return pos, faces[:, ::-1].copy()


class _Builder:
    def __init__(self) -> None:
        self.vertices: list[Floats] = []
        self.faces: list[Ints] = []
        self.count = 0

    def add(
        self,
        mesh: tuple[Floats, Ints],
        part: Part,
        weights: Weights,
        *,
        rotation: Floats | None = None,
        offset: Sequence[float] | Floats = (0.0, 0.0, 0.0),
        fade: Callable[[Floats], Floats] | None = None,
        bend: Callable[[Floats], Floats] | None = None,
    ) -> None:
        pos, faces = mesh
        if bend is not None:
            pos = bend(pos)
        if rotation is not None:
            pos = pos @ rotation.T
        pos = (pos + np.asarray(offset, np.float32)).astype(np.float32)
        bones, w = weights(pos)
        alpha = fade(pos) if fade is not None else np.ones(len(pos), np.float32)
        vertex = np.concatenate(
            [
                pos,
                smooth_normals(pos.astype(np.float32), faces.astype(np.uint32)),
                bones.astype(np.float32),
                w[:, None],
                np.full((len(pos), 1), float(part)),
                alpha[:, None],
            ],
            axis=1,
        ).astype(np.float32)
        self.vertices.append(vertex)
        self.faces.append(faces + self.count)
        self.count += len(pos)

    def build(self) -> FigureMesh:
        return FigureMesh(np.concatenate(self.vertices), np.concatenate(self.faces).astype(np.uint32))


def _limb(b: _Builder, side: float, upper: Bone, fore: Bone, hand: Bone, segments: int) -> None:
    shoulder, elbow, wrist = BIND_POSITIONS[upper], BIND_POSITIONS[fore], BIND_POSITIONS[hand]
    up = np.array([0.0, 1.0, 0.0], np.float32)
    # Pauldron: a rounded shoulder that keeps the silhouette readable at a distance.
    b.add(
        (_lathe(_ellipsoid_profile(0.052, 8), segments, (0.06, 0.058))),
        Part.BODY,
        rigid(Bone.SHOULDER_L if side > 0 else Bone.SHOULDER_R),
        offset=shoulder + np.array([-0.01 * side, 0.012, 0.0], np.float32),
    )
    for a, z, r0, r1, bone, child in (
        (shoulder, elbow, 0.047, 0.038, upper, fore),
        (elbow, wrist, 0.038, 0.03, fore, hand),
    ):
        axis = z - a
        length = float(np.linalg.norm(axis))
        b.add(
            _lathe(_capsule_profile(length, r0, r1, 6, 3), segments),
            Part.BODY,
            along([(length * 0.8, bone), (length + 0.03, child)], a, axis) if child != hand else rigid(bone),
            rotation=rotate_onto(up, axis),
            offset=a,
        )
    direction = wrist - elbow
    turn = rotate_onto(up, -direction)  # the hand hangs down along the forearm
    b.add(
        _lathe(_ellipsoid_profile(0.05, 8), segments, (0.036, 0.022)),
        Part.BODY,
        rigid(hand),
        rotation=turn,
        offset=wrist + turn @ np.array([0.0, 0.04, 0.0], np.float32),
    )
    # One extended finger, so pointing reads as pointing.
    b.add(
        _lathe(_capsule_profile(0.05, 0.009, 0.008, 2, 2), 8),
        Part.BODY,
        rigid(hand),
        rotation=turn,
        offset=wrist + turn @ np.array([0.012 * side, 0.075, 0.008], np.float32),
    )


_FACE_CENTRE = np.array([0.0, 1.458, 0.05], np.float32)
_FACE_RADII = np.array([0.098, 0.09, 0.092], np.float32)


def _on_face(x: float, y: float) -> tuple[Floats, Floats]:
    """Rotation and offset that lay a small part flat on the face plate at (x, y)."""
    rel = np.array([x, y, 0.0], np.float32) - _FACE_CENTRE
    rel[2] = _FACE_RADII[2] * math.sqrt(
        max(0.0, 1.0 - (rel[0] / _FACE_RADII[0]) ** 2 - (rel[1] / _FACE_RADII[1]) ** 2)
    )
    normal = rel / _FACE_RADII**2
    z = np.array([0.0, 0.0, 1.0], np.float32)
    offset = (_FACE_CENTRE + rel + 0.001 * normal / np.linalg.norm(normal)).astype(np.float32)
    return rotate_onto(z, normal.astype(np.float32)), offset


def build_figure_mesh(detail: int = 20) -> FigureMesh:
    """The whole figure in bind space (figure space at rest); `detail` is segments around the body."""
    b = _Builder()
    seg, small = detail, max(8, detail * 3 // 5)
    up = np.array([0.0, 1.0, 0.0], np.float32)
    chest, neck = BIND_POSITIONS[Bone.CHEST], BIND_POSITIONS[Bone.NECK]

    # Torso: tapered from the waist to broad shoulders, flatter front to back.
    torso = [(0.76, 0.0), (0.77, 0.09), (0.80, 0.125), (0.88, 0.118), (0.96, 0.118), (1.04, 0.138),
             (1.12, 0.155), (1.19, 0.158), (1.24, 0.145), (1.28, 0.10), (1.30, 0.0)]  # fmt: skip
    b.add(
        _lathe(torso, seg, (1.0, 0.68)),
        Part.BODY,
        along(
            [(0.84, Bone.HIPS), (0.96, Bone.SPINE), (1.06, Bone.SPINE), (1.14, Bone.CHEST)],
            np.zeros(3, np.float32),
            up,
        ),
    )
    # Neck.
    b.add(
        _lathe(_capsule_profile(0.12, 0.042, 0.038, 3, 3), small),
        Part.BODY,
        along([(0.03, Bone.CHEST), (0.1, Bone.NECK)], neck - np.array([0, 0.04, 0], np.float32), up),
        offset=neck - np.array([0.0, 0.04, 0.0], np.float32),
    )

    # Head: an egg, its lower front follows the jaw a little so the chin drops when it talks.
    centre = np.array([0.0, 1.46, 0.0], np.float32)

    def face_weights(p: Floats) -> tuple[Ints, Floats]:
        jaw = np.clip((1.445 - p[:, 1]) / 0.05, 0.0, 1.0) * np.clip((p[:, 2] + 0.02) / 0.08, 0.0, 1.0)
        jaw = jaw * jaw * (3.0 - 2.0 * jaw)
        bones = np.tile(np.array([int(Bone.HEAD), int(Bone.JAW)], np.int64), (len(p), 1))
        return bones, (1.0 - jaw).astype(np.float32)

    b.add(
        _lathe(_ellipsoid_profile(0.135, 16), seg + 4, (0.12, 0.125)), Part.BODY, face_weights, offset=centre
    )
    # The face plate: a smaller egg set forward, so its front bulges out of the head as a visor.
    b.add(
        _lathe(
            _ellipsoid_profile(float(_FACE_RADII[1]), 14),
            seg + 4,
            (float(_FACE_RADII[0]), float(_FACE_RADII[2])),
        ),
        Part.FACE,
        face_weights,
        offset=_FACE_CENTRE,
    )
    # Eyes: tall ovals lying on the face plate.
    for side in (1.0, -1.0):
        eye = _on_face(0.042 * side, 1.478)
        b.add(
            _lathe(_ellipsoid_profile(0.025, 6), 10, (0.018, 0.007)),
            Part.EYES,
            rigid(Bone.EYES),
            rotation=eye[0],
            offset=eye[1],
        )
        # Ear pods: the headset of a shop assistant, and a silhouette that reads as a head.
        b.add(
            _lathe(_ellipsoid_profile(0.042, 8), small, (0.03, 0.04)),
            Part.ACCENT,
            rigid(Bone.HEAD),
            rotation=axis_angle((0.0, 0.0, 1.0), 0.5 * math.pi),
            offset=(0.112 * side, 1.462, -0.005),
        )
    # Mouth: a smiling slit; the mouth bone scales it open, wide and round.
    mouth = _on_face(0.0, 1.42)
    b.add(
        _lathe(_ellipsoid_profile(0.011, 6), 14, (0.027, 0.007)),
        Part.MOUTH,
        rigid(Bone.MOUTH),
        bend=lambda p: p + np.stack([np.zeros(len(p)), 20.0 * p[:, 0] ** 2, np.zeros(len(p))], 1),
        rotation=mouth[0],
        offset=mouth[1],
    )
    # Waist ring and chest emblem: thin lines of light on the suit.
    b.add(_torus(0.132, 0.01, seg + 4, 6, 0.82), Part.ACCENT, rigid(Bone.HIPS), offset=(0.0, 0.85, 0.0))
    b.add(
        _lathe(_ellipsoid_profile(0.022, 6), 12, (0.022, 0.006)),
        Part.ACCENT,
        rigid(Bone.CHEST),
        rotation=axis_angle((1.0, 0.0, 0.0), -0.25),
        offset=(0.0, 1.14, chest[2] + 0.103),
    )
    for side, bones in ((1.0, (Bone.UPPER_ARM_L, Bone.FOREARM_L, Bone.HAND_L)),
                        (-1.0, (Bone.UPPER_ARM_R, Bone.FOREARM_R, Bone.HAND_R))):  # fmt: skip
        _limb(b, side, *bones, small)

    # The skirt of light: flares below the waist and thins to a point above the floor pad.
    skirt = [(0.14, 0.0), (0.16, 0.035), (0.26, 0.085), (0.40, 0.135), (0.55, 0.16), (0.68, 0.158),
             (0.78, 0.14), (0.86, 0.122), (0.88, 0.0)]  # fmt: skip
    b.add(
        _lathe(skirt, seg, (1.0, 0.8)),
        Part.SKIRT,
        along([(0.62, Bone.SKIRT), (0.82, Bone.HIPS)], np.zeros(3, np.float32), up),
        fade=lambda p: np.clip((p[:, 1] - 0.14) / 0.6, 0.0, 1.0).astype(np.float32) ** 1.3,
    )
    pad_radii = (0.12, 0.2, 0.24, 0.27, 0.3)
    pad_fade = np.array([0.35, 0.3, 0.45, 1.0, 1.0, 0.0], np.float32)
    pad = _disc(pad_radii, seg + 4)
    ring_of = np.concatenate([[0], np.repeat(np.arange(1, len(pad_radii) + 1), seg + 4)])
    b.add(pad, Part.PAD, rigid(Bone.ROOT), offset=(0.0, 0.006, 0.0), fade=lambda _p: pad_fade[ring_of])
    return b.build()


@functools.cache
def figure_mesh() -> FigureMesh:
    """The one shared mesh (built once per process: it is pure data)."""
    return build_figure_mesh()
