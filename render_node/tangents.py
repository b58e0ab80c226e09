"""Per-vertex tangents for normal mapping when a model brings none (glTF says to generate them)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["generate_tangents"]

F32 = npt.NDArray[np.float32]


def generate_tangents(positions: F32, normals: F32, uvs: F32, indices: npt.NDArray[np.uint32]) -> F32:
    """Accumulate per-triangle UV gradients, then Gram-Schmidt against the normal; w is handedness."""
    p0, p1, p2 = (positions[indices[:, k]] for k in range(3))
    t0, t1, t2 = (uvs[indices[:, k]] for k in range(3))
    e1, e2 = p1 - p0, p2 - p0
    d1, d2 = t1 - t0, t2 - t0
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    inv = np.where(np.abs(det) > 1e-12, 1.0 / np.where(det == 0, 1.0, det), 0.0)[:, None]
    tri_t = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * inv
    tri_b = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * inv
    tan = np.zeros_like(positions)
    bit = np.zeros_like(positions)
    for k in range(3):
        np.add.at(tan, indices[:, k], tri_t)
        np.add.at(bit, indices[:, k], tri_b)
    tan = tan - normals * np.sum(normals * tan, axis=1, keepdims=True)
    length = np.linalg.norm(tan, axis=1, keepdims=True)
    # Where UVs are degenerate, any vector perpendicular to the normal will do.
    fallback = np.cross(normals, np.where(np.abs(normals[:, 1:2]) < 0.9, [[0, 1, 0]], [[1, 0, 0]]))
    tan = np.where(length > 1e-8, tan / np.maximum(length, 1e-8), fallback)
    tan /= np.maximum(np.linalg.norm(tan, axis=1, keepdims=True), 1e-8)
    w = np.where(np.sum(np.cross(normals, tan) * bit, axis=1) < 0.0, -1.0, 1.0)
    return np.concatenate([tan, w[:, None]], axis=1).astype(np.float32)
