"""Image-based lighting sources: Radiance .hdr files and a generated photo-studio environment.

Both give a linear float32 equirectangular map (H, W, 3), row 0 at the zenith.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assets.errors import AssetError

__all__ = ["EnvironmentMap", "load_hdr", "load_environment", "studio_environment"]

EnvironmentMap = npt.NDArray[np.float32]

_MAX_SIDE = 16384
_RESOLUTION = re.compile(rb"^-Y (\d+) \+X (\d+)$")


def load_hdr(path: Path) -> EnvironmentMap:
    """Read a Radiance RGBE file (flat or new-style run-length encoded scanlines)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AssetError(path, f"cannot read HDR file: {exc.strerror or exc}") from exc
    if not (data.startswith(b"#?RADIANCE") or data.startswith(b"#?RGBE")):
        raise AssetError(path, "not a Radiance HDR file (missing #?RADIANCE header)")
    header_end = data.find(b"\n\n")
    if header_end < 0:
        raise AssetError(path, "truncated HDR header")
    if b"FORMAT=32-bit_rle_xyze" in data[:header_end]:
        raise AssetError(path, "XYZE HDR files are not supported, only RGBE")
    line_end = data.find(b"\n", header_end + 2)
    match = _RESOLUTION.match(data[header_end + 2 : line_end if line_end >= 0 else None].strip())
    if match is None:
        raise AssetError(path, "unsupported HDR orientation (expected '-Y H +X W')")
    height, width = int(match.group(1)), int(match.group(2))
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        raise AssetError(path, f"absurd HDR size {width}x{height}")
    rgbe = _decode_scanlines(path, memoryview(data)[line_end + 1 :], width, height)
    exponent = rgbe[..., 3].astype(np.int32)
    scale = np.where(exponent > 0, np.ldexp(1.0, exponent - 136), 0.0).astype(np.float32)
    return (rgbe[..., :3].astype(np.float32) * scale[..., None]).astype(np.float32)


def _decode_scanlines(path: Path, body: memoryview, width: int, height: int) -> npt.NDArray[np.uint8]:
    out = np.empty((height, width, 4), np.uint8)
    raw = np.frombuffer(body, np.uint8)
    pos = 0
    for y in range(height):
        if pos + 4 > raw.size:
            raise AssetError(path, f"truncated HDR pixel data at scanline {y} of {height}")
        head = raw[pos : pos + 4]
        rle = (
            8 <= width < 32768
            and head[0] == 2
            and head[1] == 2
            and (int(head[2]) << 8 | int(head[3])) == width
        )
        if not rle:
            need = width * 4
            if pos + need > raw.size:
                raise AssetError(path, f"truncated HDR pixel data at scanline {y} of {height}")
            out[y] = raw[pos : pos + need].reshape(width, 4)
            pos += need
            continue
        pos += 4
        for channel in range(4):
            row = out[y, :, channel]
            x = 0
            while x < width:
                if pos >= raw.size:
                    raise AssetError(path, f"truncated HDR run at scanline {y}")
                count = int(raw[pos])
                pos += 1
                run = count > 128
                count = count - 128 if run else count
                if pos + (1 if run else count) > raw.size:
                    raise AssetError(path, f"truncated HDR run at scanline {y} of {height}")
                if count == 0 or x + count > width:
                    raise AssetError(path, f"corrupt HDR run at scanline {y}")
                if run:
                    row[x : x + count] = raw[pos]
                    pos += 1
                else:
                    row[x : x + count] = raw[pos : pos + count]
                    pos += count
                x += count
    return out


def studio_environment(width: int = 512) -> EnvironmentMap:
    """A photo studio: dark cyclorama, big soft boxes above and to the sides, a warm rim light.

    Generated rather than shipped so a fresh machine lights products well with no files.
    """
    height = width // 2
    theta = (np.arange(height, dtype=np.float32) + 0.5) / height * math.pi  # 0 at zenith
    phi = (np.arange(width, dtype=np.float32) + 0.5) / width * 2 * math.pi - math.pi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.sin(ph), np.cos(th), np.sin(th) * np.cos(ph)], axis=-1)
    up = d[..., 1]
    # Cyclorama: soft grey walls, darker floor, a hint of brand cyan in the ground bounce.
    env = np.empty((height, width, 3), np.float32)
    wall = 0.10 + 0.18 * np.clip(up, 0.0, 1.0)
    env[...] = wall[..., None] * np.array([0.95, 0.97, 1.0], np.float32)
    floor = np.clip(-up, 0.0, 1.0)[..., None]
    env = env * (1 - floor) + floor * np.array([0.03, 0.045, 0.055], np.float32)

    def softbox(
        direction: tuple[float, float, float], size: float, color: tuple[float, float, float]
    ) -> None:
        axis = np.array(direction, np.float32)
        axis /= np.linalg.norm(axis)
        cos_angle = np.clip(d @ axis, -1.0, 1.0)
        falloff = np.clip((cos_angle - math.cos(size)) / (1.0 - math.cos(size)), 0.0, 1.0)
        env[...] += (falloff**0.35)[..., None] * np.array(color, np.float32)

    softbox((0.0, 1.0, 0.35), 0.55, (5.0, 4.9, 4.7))  # overhead key
    softbox((-0.9, 0.35, 0.6), 0.35, (3.2, 3.2, 3.3))  # left fill
    softbox((0.9, 0.3, 0.5), 0.28, (2.4, 2.5, 2.7))  # right fill
    softbox((0.2, 0.25, -1.0), 0.25, (2.6, 2.1, 1.6))  # warm rim from behind
    result: EnvironmentMap = env.astype(np.float32)
    return result


def load_environment(name_or_path: str) -> EnvironmentMap:
    """`studio` (generated) or a path to a .hdr file."""
    if name_or_path == "studio":
        return studio_environment()
    path = Path(name_or_path)
    if path.suffix.lower() != ".hdr":
        raise AssetError(path, "environment must be 'studio' or a Radiance .hdr file")
    return load_hdr(path)
