"""Prepares an environment map for image-based lighting, once per environment, on the CPU.

Specular: a mip chain of the equirectangular map where level k is blurred for roughness
k/(levels-1), sampled with textureLod. Diffuse: irradiance from nine spherical harmonics,
baked into a small cube map so shaders pay one texture lookup instead of the polynomial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter1d

__all__ = [
    "PreparedEnvironment",
    "cube_directions",
    "irradiance_sh9",
    "prepare_environment",
    "prefiltered_levels",
    "sh_irradiance",
]

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class PreparedEnvironment:
    levels: tuple[F32, ...]  # (H_k, W_k, 3), level 0 the sharpest
    sh: F32  # (9, 3)
    irradiance_cube: F32  # (6, N, N, 3): irradiance / pi, GL face order +X -X +Y -Y +Z -Z
    ambient_up: F32  # (3,): irradiance / pi on an upward face


def _directions(height: int, width: int) -> tuple[F32, F32]:
    theta = (np.arange(height, dtype=np.float32) + 0.5) / height * math.pi
    phi = (np.arange(width, dtype=np.float32) + 0.5) / width * 2 * math.pi - math.pi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.sin(ph), np.cos(th), np.sin(th) * np.cos(ph)], axis=-1)
    return d.astype(np.float32), theta.astype(np.float32)


def irradiance_sh9(env: F32) -> F32:
    """Project radiance onto the first nine real SH basis functions (same axes as the shader)."""
    height, width = env.shape[:2]
    d, theta = _directions(height, width)
    solid_angle = (2 * math.pi / width) * (math.pi / height) * np.sin(theta)[:, None]
    weighted = env * solid_angle[..., None]
    return np.stack([np.tensordot(b, weighted, axes=([0, 1], [0, 1])) for b in _sh_basis(d)]).astype(
        np.float32
    )


def _sh_basis(d: F32) -> list[F32]:
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return [
        np.full_like(x, 0.282095),
        0.488603 * y,
        0.488603 * z,
        0.488603 * x,
        1.092548 * x * y,
        1.092548 * y * z,
        0.315392 * (3 * z * z - 1),
        1.092548 * x * z,
        0.546274 * (x * x - y * y),
    ]


# Convolution of each SH band with the clamped cosine (Ramamoorthi and Hanrahan).
_BAND_WEIGHTS = np.array([math.pi] + [2 * math.pi / 3] * 3 + [math.pi / 4] * 5, np.float32)


def sh_irradiance(sh: F32, directions: F32) -> F32:
    """Irradiance arriving at surfaces facing `directions` (..., 3), as (..., 3)."""
    basis = np.stack(_sh_basis(directions.astype(np.float32)), axis=-1)
    irradiance: F32 = np.maximum(basis @ (sh * _BAND_WEIGHTS[:, None]), 0.0).astype(np.float32)
    return irradiance


def cube_directions(size: int) -> F32:
    """Unit direction of every texel centre, (6, size, size, 3), in OpenGL's cube-face convention."""
    c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    t, s = np.meshgrid(c, c, indexing="ij")  # rows are t, columns s
    one = np.ones_like(s)
    faces = [
        (one, -t, -s),  # +X
        (-one, -t, s),  # -X
        (s, one, t),  # +Y
        (s, -one, -t),  # -Y
        (s, -t, one),  # +Z
        (-s, -t, -one),  # -Z
    ]
    d = np.stack([np.stack(f, axis=-1) for f in faces])
    unit: F32 = (d / np.linalg.norm(d, axis=-1, keepdims=True)).astype(np.float32)
    return unit


def _downsample(env: F32) -> F32:
    h, w = env.shape[0] // 2 * 2, env.shape[1] // 2 * 2
    e = env[:h, :w]
    return (0.25 * (e[0::2, 0::2] + e[1::2, 0::2] + e[0::2, 1::2] + e[1::2, 1::2])).astype(np.float32)


def _blur(env: F32, sigma_rad: float) -> F32:
    """Gaussian blur on the sphere, approximately: rows widen toward the poles."""
    height, width = env.shape[:2]
    px = math.pi / height
    out = gaussian_filter1d(env, sigma_rad / px, axis=0, mode="nearest")
    theta = (np.arange(height) + 0.5) / height * math.pi
    for row in range(height):
        sigma_x = min(sigma_rad / px / max(math.sin(theta[row]), 0.05), width / 2)
        out[row] = gaussian_filter1d(out[row], sigma_x, axis=0, mode="wrap")
    blurred: F32 = out.astype(np.float32)
    return blurred


def prefiltered_levels(env: F32, base_width: int = 512, count: int = 7) -> tuple[F32, ...]:
    """A full mip chain: each level half the one before, down to 8 pixels wide at the least.

    A small map gets fewer levels; level k always stands for roughness k / (levels - 1).
    """
    base = env.astype(np.float32)
    while base.shape[1] > base_width:
        base = _downsample(base)
    count = max(2, min(count, int(math.log2(max(base.shape[1], 8) / 8)) + 1))
    levels = [base]
    current = base
    for k in range(1, count):
        current = _downsample(current)
        roughness = k / (count - 1)
        levels.append(_blur(current, 0.9 * roughness * roughness + 0.02))
    return tuple(levels)


def prepare_environment(env: F32, rotation_deg: float = 0.0, cube_size: int = 16) -> PreparedEnvironment:
    """Rotate about +Y (a shift of the equirectangular columns), then prefilter both ways."""
    shift = round(rotation_deg / 360.0 * env.shape[1])
    env = np.roll(env, shift, axis=1).astype(np.float32)
    sh = irradiance_sh9(env)
    cube = sh_irradiance(sh, cube_directions(cube_size)) / math.pi
    ambient_up = sh_irradiance(sh, np.array([0.0, 1.0, 0.0], np.float32)) / math.pi
    # Clamp the sun's thousands for reflections only, so glossy products do not sparkle with
    # fireflies; diffuse light keeps the sun's full energy.
    clamped = np.minimum(env, 64.0).astype(np.float32)
    return PreparedEnvironment(
        prefiltered_levels(clamped), sh, cube.astype(np.float32), ambient_up.astype(np.float32)
    )
