"""Procedural geometry of the showroom itself: plinths, the light curtain, the floor quad."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["MeshData", "cylinder", "fullscreen_triangle", "unit_quad"]

# Interleaved position (3), normal (3), uv (2) per vertex, and triangle indices.
MeshData = tuple[npt.NDArray[np.float32], npt.NDArray[np.uint32]]


def cylinder(radius: float, height: float, segments: int = 64, cap: bool = True) -> MeshData:
    """Side with uv.y = height fraction; a top cap marked with uv.y = 2 for the plinth shader."""
    verts: list[list[float]] = []
    idx: list[int] = []
    for i in range(segments + 1):
        a = 2 * math.pi * i / segments
        x, z = math.sin(a), math.cos(a)
        verts.append([x * radius, 0.0, z * radius, x, 0.0, z, i / segments, 0.0])
        verts.append([x * radius, height, z * radius, x, 0.0, z, i / segments, 1.0])
    for i in range(segments):
        b = 2 * i
        idx += [b, b + 2, b + 1, b + 1, b + 2, b + 3]
    if cap:
        centre = len(verts)
        verts.append([0.0, height, 0.0, 0.0, 1.0, 0.0, 0.5, 2.0])
        for i in range(segments + 1):
            a = 2 * math.pi * i / segments
            verts.append(
                [math.sin(a) * radius, height, math.cos(a) * radius, 0.0, 1.0, 0.0, i / segments, 2.0]
            )
        for i in range(segments):
            idx += [centre, centre + 1 + i, centre + 2 + i]
    return np.array(verts, np.float32), np.array(idx, np.uint32)


def unit_quad() -> npt.NDArray[np.float32]:
    """Two triangles over [-1, 1]^2 in the XZ plane, wound counter-clockwise seen from +Y."""
    return np.array([-1, -1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1], np.float32)


def fullscreen_triangle() -> npt.NDArray[np.float32]:
    return np.array([-1, -1, 3, -1, -1, 3], np.float32)
