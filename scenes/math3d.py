"""4x4 matrix helpers (column vectors, right-handed, Y up) shared by the scene and the renderer."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["Mat4", "Vec3", "look_at", "perspective", "rotation_y", "translation", "scaling", "vec3"]

Mat4 = npt.NDArray[np.float32]
Vec3 = npt.NDArray[np.float32]


def vec3(x: float, y: float, z: float) -> Vec3:
    return np.array([x, y, z], np.float32)


def perspective(fov_y_deg: float, aspect: float, near: float, far: float) -> Mat4:
    """OpenGL clip-space projection (depth -1..1)."""
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    m = np.zeros((4, 4), np.float32)
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2.0 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def look_at(eye: Vec3, target: Vec3, up: Vec3 | None = None) -> Mat4:
    up = vec3(0.0, 1.0, 0.0) if up is None else up
    f = target - eye
    f = f / max(float(np.linalg.norm(f)), 1e-9)
    s = np.cross(f, up)
    s = s / max(float(np.linalg.norm(s)), 1e-9)
    u = np.cross(s, f)
    m = np.identity(4, np.float32)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def translation(x: float, y: float, z: float) -> Mat4:
    m = np.identity(4, np.float32)
    m[:3, 3] = (x, y, z)
    return m


def rotation_y(angle: float) -> Mat4:
    c, s = math.cos(angle), math.sin(angle)
    m = np.identity(4, np.float32)
    m[0, 0], m[0, 2], m[2, 0], m[2, 2] = c, s, -s, c
    return m


def scaling(sx: float, sy: float, sz: float) -> Mat4:
    return np.diag([sx, sy, sz, 1.0]).astype(np.float32)
