"""Building blocks for the generated demo catalog: UV-mapped meshes, tiny procedural textures, materials.

The catalog must look like real products under PBR lighting without shipping any asset files, so the
shapes here carry their own smooth or creased normals and texture coordinates (trimesh's primitives
have neither UVs nor creases), and the textures are small, tileable and seeded so every process
builds byte-identical models.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import trimesh

from assets.model import Image, Material, Model, Primitive, TextureRef

__all__ = [
    "Mesh",
    "ModelBuilder",
    "box",
    "fabric_material",
    "from_trimesh",
    "glaze_material",
    "glaze_texture",
    "grid_mesh",
    "heather_texture",
    "lathe",
    "merge",
    "pbr",
    "profile_v",
    "rotate",
    "rounded_box",
    "scale",
    "smooth_curve",
    "smooth_normals",
    "srgb",
    "tangents",
    "translate",
    "tube",
    "weave_normal_map",
    "wood_material",
    "wood_texture",
]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_T = TypeVar("_T", bound=np.generic)

_MIN_AREA = 1e-12  # m^2, two times a triangle's area; pole triangles of a lathe are exactly zero


# --------------------------------------------------------------------------------------------- meshes


@dataclass(frozen=True)
class Mesh:
    """A triangle list with per-vertex normals and UVs, the unit every builder returns."""

    positions: F32
    normals: F32
    uvs: F32
    indices: U32

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0])

    def transformed(self, matrix: F64) -> Mesh:
        """Apply a 4x4 affine; normals use the inverse transpose so non-uniform scales stay correct."""
        m = np.asarray(matrix, np.float64)
        pos = self.positions.astype(np.float64) @ m[:3, :3].T + m[:3, 3]
        nrm = self.normals.astype(np.float64) @ np.linalg.inv(m[:3, :3])
        idx = self.indices if np.linalg.det(m[:3, :3]) > 0 else self.indices[:, ::-1]
        return make_mesh(pos, _unit(nrm), self.uvs, idx)

    def moved(self, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> Mesh:
        return self.transformed(translate(x, y, z))

    def flipped(self) -> Mesh:
        """Reversed winding and normals: the inside of a shell, e.g. a shoe's lining."""
        return Mesh(self.positions, -self.normals, self.uvs, np.ascontiguousarray(self.indices[:, ::-1]))

    def inflated(self, distance: float) -> Mesh:
        """Pushed along its normals; a negative distance gives an inner wall of a thin shell."""
        pos = self.positions.astype(np.float64) + distance * self.normals.astype(np.float64)
        return make_mesh(pos, self.normals, self.uvs, self.indices)


def make_mesh(
    positions: npt.ArrayLike, normals: npt.ArrayLike, uvs: npt.ArrayLike, indices: npt.ArrayLike
) -> Mesh:
    """Cast to the renderer's dtypes and drop zero-area triangles (lathe poles, collapsed seams)."""
    pos = np.ascontiguousarray(positions, np.float32)
    idx = np.asarray(indices, np.int64).reshape(-1, 3)
    p = pos.astype(np.float64)
    area2 = np.linalg.norm(np.cross(p[idx[:, 1]] - p[idx[:, 0]], p[idx[:, 2]] - p[idx[:, 0]]), axis=1)
    return Mesh(
        pos,
        np.ascontiguousarray(normals, np.float32),
        np.ascontiguousarray(uvs, np.float32),
        np.ascontiguousarray(idx[area2 > _MIN_AREA], np.uint32),
    )


def merge(meshes: Iterable[Mesh]) -> Mesh:
    """One mesh from several parts that share a material, so they draw as one primitive."""
    parts = list(meshes)
    offsets = np.cumsum([0] + [len(m.positions) for m in parts[:-1]])
    return Mesh(
        np.concatenate([m.positions for m in parts]),
        np.concatenate([m.normals for m in parts]),
        np.concatenate([m.uvs for m in parts]),
        np.concatenate([m.indices + np.uint32(o) for m, o in zip(parts, offsets, strict=True)]),
    )


def _unit(v: npt.ArrayLike) -> F64:
    a = np.asarray(v, np.float64)
    length = np.linalg.norm(a, axis=-1, keepdims=True)
    fallback = np.zeros(a.shape[-1])
    fallback[min(1, a.shape[-1] - 1)] = 1.0  # +Y: a degenerate normal points up rather than nowhere
    return np.where(length > 1e-12, a / np.maximum(length, 1e-12), fallback)


def translate(x: float = 0.0, y: float = 0.0, z: float = 0.0) -> F64:
    m = np.eye(4)
    m[:3, 3] = x, y, z
    return m


def rotate(degrees: float, axis: npt.ArrayLike, point: npt.ArrayLike = (0.0, 0.0, 0.0)) -> F64:
    """Right-handed rotation about an axis through `point` (Rodrigues' formula)."""
    k = _unit(axis)
    a = math.radians(degrees)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    m = np.eye(4)
    m[:3, :3] = np.eye(3) * math.cos(a) + math.sin(a) * cross + (1 - math.cos(a)) * np.outer(k, k)
    pivot = np.asarray(point, np.float64)
    m[:3, 3] = pivot - m[:3, :3] @ pivot
    return m


def scale(x: float, y: float, z: float) -> F64:
    return np.diag([x, y, z, 1.0])


def grid_indices(rows: int, cols: int) -> I64:
    """Two triangles per cell of a rows x cols vertex grid, counter-clockwise when rows advance
    along the surface's 'up' and columns advance to its right as seen from outside."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    a = (r * cols + c).ravel()
    b, d, e = a + 1, a + cols, a + cols + 1
    return np.concatenate([np.stack([a, b, d], 1), np.stack([d, b, e], 1)]).astype(np.int64)


def smooth_normals(positions: npt.ArrayLike, indices: npt.ArrayLike) -> F64:
    """Area-weighted vertex normals, welded by position so UV seams do not show as shading seams."""
    p = np.asarray(positions, np.float64)
    f = np.asarray(indices, np.int64).reshape(-1, 3)
    _, weld = np.unique(np.round(p * 1e6).astype(np.int64), axis=0, return_inverse=True)
    weld = weld.ravel()
    face_n = np.cross(p[f[:, 1]] - p[f[:, 0]], p[f[:, 2]] - p[f[:, 0]])
    acc = np.zeros((int(weld.max()) + 1, 3))
    for k in range(3):
        np.add.at(acc, weld[f[:, k]], face_n)
    return _unit(acc[weld])


def grid_mesh(points: npt.ArrayLike, uvs: npt.ArrayLike) -> Mesh:
    """A (rows, cols, 3) sheet of points with smooth normals; rows run 'up', columns to the right."""
    p = np.asarray(points, np.float64)
    rows, cols = p.shape[:2]
    idx = grid_indices(rows, cols)
    flat = p.reshape(-1, 3)
    return make_mesh(flat, smooth_normals(flat, idx), np.asarray(uvs).reshape(-1, 2), idx)


def smooth_curve(points: npt.ArrayLike, samples: int = 8) -> F64:
    """Catmull-Rom through control points: designers' profiles without kinks between them."""
    p = np.asarray(points, np.float64)
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[:, None]
    out = []
    for i in range(len(p) - 1):
        p0, p1, p2, p3 = ext[i : i + 4]
        out.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    out.append(p[-1:])
    return np.vstack(out)


def profile_v(profile: npt.ArrayLike) -> F64:
    """Normalised arc length along a lathe profile: the v a lathe with v_scale=None gives each point."""
    s = _arc(np.asarray(profile, np.float64))
    return s / max(float(s[-1]), 1e-12)


def lathe(
    profile: npt.ArrayLike,
    sections: int = 48,
    *,
    u_repeat: float = 1.0,
    v_scale: float | None = None,
    crease_deg: float = 40.0,
) -> Mesh:
    """Revolve an (r, y) profile about +Y; the profile runs counter-clockwise (out along the bottom,
    up the outside, in over the top) so the surface faces outward.

    Corners sharper than crease_deg get split rings, so a cylinder has flat caps and a round side
    without a separate mesh per face. u goes around (seam at the back, -Z), v along the profile:
    metres times v_scale, or 0..1 over the whole profile when v_scale is None.
    """
    pts = np.asarray(profile, np.float64)
    keep = np.concatenate([[True], np.linalg.norm(np.diff(pts, axis=0), axis=1) > 1e-9])
    pts = pts[keep]
    closed = bool(np.allclose(pts[0], pts[-1]) and pts[0, 0] > 1e-9)
    d = np.diff(pts, axis=0)
    edge_n = _unit(np.stack([d[:, 1], -d[:, 0]], 1))
    arc = profile_v(pts) if v_scale is None else _arc(pts) * v_scale
    cos_crease = math.cos(math.radians(crease_deg))
    n_edges = len(d)

    def smooth_at(i: int) -> bool:  # joint between edge i-1 and edge i
        if 0 < i < n_edges:
            return float(edge_n[i - 1] @ edge_n[i]) > cos_crease
        return closed and float(edge_n[-1] @ edge_n[0]) > cos_crease

    def joint_normal(i: int) -> F64:
        return _unit(edge_n[i - 1] + edge_n[i % n_edges])

    rings: list[tuple[float, float, float, float, float]] = []  # r, y, nr, ny, v
    quads: list[tuple[int, int]] = []
    prev_end = -1
    for i in range(n_edges):
        start_n = joint_normal(i) if smooth_at(i) else edge_n[i]
        if i == 0 or not smooth_at(i):
            rings.append((*pts[i], *start_n, arc[i]))
            prev_end = len(rings) - 1
        end_n = joint_normal(i + 1) if smooth_at(i + 1) else edge_n[i]
        rings.append((*pts[i + 1], *end_n, arc[i + 1]))
        quads.append((prev_end, len(rings) - 1))
        prev_end = len(rings) - 1

    ring = np.asarray(rings)
    theta = -np.pi + 2 * np.pi * np.arange(sections + 1) / sections
    sin, cos = np.sin(theta)[None, :], np.cos(theta)[None, :]
    r, y, nr, ny, v = (ring[:, k : k + 1] for k in range(5))
    shape = (len(ring), sections + 1)
    pos = np.stack([r * sin, np.broadcast_to(y, shape), r * cos], -1)
    nrm = np.stack([nr * sin, np.broadcast_to(ny, shape), nr * cos], -1)
    u = np.broadcast_to(np.arange(sections + 1)[None, :] / sections * u_repeat, shape)
    uv = np.stack([u, np.broadcast_to(v, shape)], -1)
    cell = grid_indices(2, sections + 1)
    cols = sections + 1
    idx = [np.where(cell < cols, cell + a * cols, cell - cols + b * cols) for a, b in quads]
    return make_mesh(pos.reshape(-1, 3), _unit(nrm.reshape(-1, 3)), uv.reshape(-1, 2), np.concatenate(idx))


def _arc(points: F64) -> F64:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])


def _axis_coords(half: float, radius: float, band: int, inner: int) -> F64:
    if radius <= 0:
        return np.linspace(-half, half, inner + 1)
    flat = half - radius
    return np.concatenate(
        [
            np.linspace(-half, -flat, band + 1)[:-1],
            np.linspace(-flat, flat, inner + 1),
            np.linspace(flat, half, band + 1)[1:],
        ]
    )


def rounded_box(
    size: Sequence[float],
    radius: float = 0.0,
    *,
    bulge: float = 0.0,
    band: int = 3,
    inner: int = 2,
    uv_scale: float = 1.0,
) -> Mesh:
    """A box with rounded edges (cushions, plinths) centred on the origin.

    Each face is its own grid, so a sharp box (radius 0) gets flat per-face normals; a rounded one
    gets analytic normals that agree across faces. bulge puffs the faces out like a stuffed cushion.
    UVs are metric (times uv_scale) with v along each face's longer side, so wood grain follows
    the length of a plank or a leg.
    """
    half = np.asarray(size, np.float64) / 2
    r = min(radius, float(half.min()))
    coords = [_axis_coords(float(h), r, band, inner) for h in half]
    faces = []
    for a in range(3):
        b, c = (a + 1) % 3, (a + 2) % 3
        for s in (-1.0, 1.0):
            gc, gb = np.meshgrid(coords[c], coords[b], indexing="ij")  # rows along c, columns along b
            p = np.zeros(gb.shape + (3,))
            p[..., a], p[..., b], p[..., c] = s * half[a], gb, gc
            face_n = np.zeros(3)
            face_n[a] = s
            if r > 0:
                q = np.clip(p, -(half - r), half - r)
                n = _unit(p - q)
                pos = q + r * n
            else:
                n, pos = np.broadcast_to(face_n, p.shape), p
            w = np.clip((1 - (gb / half[b]) ** 2) * (1 - (gc / half[c]) ** 2), 0.0, 1.0)
            pos = pos + bulge * w[..., None] * face_n
            long_b = half[b] >= half[c]
            uv = np.stack([gc, gb] if long_b else [gb, gc], -1) * uv_scale
            idx = grid_indices(*gb.shape)
            if s < 0:
                idx = idx[:, ::-1]
            flat = pos.reshape(-1, 3)
            nrm = n.reshape(-1, 3) if bulge == 0 else None
            faces.append((flat, nrm, uv.reshape(-1, 2), idx))
    offsets = np.cumsum([0] + [len(f[0]) for f in faces[:-1]])
    all_pos = np.concatenate([f[0] for f in faces])
    all_idx = np.concatenate([f[3] + o for f, o in zip(faces, offsets, strict=True)])
    if bulge == 0:
        all_n = np.concatenate([f[1] for f in faces if f[1] is not None])
    else:
        all_n = smooth_normals(all_pos, all_idx)
    return make_mesh(all_pos, all_n, np.concatenate([f[2] for f in faces]), all_idx)


def box(size: Sequence[float], *, uv_scale: float = 1.0) -> Mesh:
    """Sharp box with flat faces (trimesh's box shares 8 vertices, which shades like a blob)."""
    return rounded_box(size, 0.0, inner=1, uv_scale=uv_scale)


def tube(
    path: npt.ArrayLike,
    radius: float | tuple[float, float],
    *,
    sections: int = 12,
    closed: bool = False,
    caps: bool = True,
    up: Sequence[float] = (0.0, 0.0, 1.0),
    uv_scale: float = 1.0,
) -> Mesh:
    """Sweep an ellipse (radius across 'up', radius along the binormal) along a polyline.

    Frames are parallel-transported so the tube does not twist; a closed loop spreads the leftover
    twist evenly. Stands in for trimesh.creation.sweep_polygon, which needs shapely.
    """
    p = np.asarray(path, np.float64)
    if closed and np.allclose(p[0], p[-1]):
        p = p[:-1]
    rx, ry = (radius, radius) if isinstance(radius, float | int) else radius
    tangent = _unit(np.roll(p, -1, 0) - np.roll(p, 1, 0) if closed else np.gradient(p, axis=0))
    normal = np.zeros_like(p)
    n0 = np.asarray(up, np.float64) - tangent[0] * float(np.dot(up, tangent[0]))
    if np.linalg.norm(n0) < 1e-6:
        n0 = np.cross(tangent[0], [1.0, 0.0, 0.0])
    normal[0] = _unit(n0)
    for i in range(1, len(p)):
        normal[i] = _unit(normal[i - 1] - tangent[i] * float(normal[i - 1] @ tangent[i]))
    if closed:
        end = _unit(normal[-1] - tangent[0] * float(normal[-1] @ tangent[0]))
        twist = math.atan2(float(np.cross(end, normal[0]) @ tangent[0]), float(end @ normal[0]))
        angles = twist * np.arange(len(p)) / len(p)
        binormal = np.cross(tangent, normal)
        normal = normal * np.cos(angles)[:, None] + binormal * np.sin(angles)[:, None]
        p, tangent, normal = (np.vstack([a, a[:1]]) for a in (p, tangent, normal))
    binormal = np.cross(tangent, normal)
    phi = 2 * np.pi * np.arange(sections + 1) / sections
    cphi, sphi = np.cos(phi)[None, :, None], np.sin(phi)[None, :, None]
    nn, bb = normal[:, None, :], binormal[:, None, :]
    pos = p[:, None, :] + rx * cphi * nn + ry * sphi * bb
    nrm = _unit(cphi / rx * nn + sphi / ry * bb)
    along = _arc(p) * uv_scale
    uv = np.stack(np.broadcast_arrays(phi[None, :] / (2 * np.pi), along[:, None]), -1)
    idx = grid_indices(len(p), sections + 1)
    side = make_mesh(pos.reshape(-1, 3), nrm.reshape(-1, 3), uv.reshape(-1, 2), idx)
    if closed or not caps:
        return side
    ends = [_cap(pos[-1], tangent[-1], phi, flip=False), _cap(pos[0], -tangent[0], phi, flip=True)]
    return merge([side, *ends])


def _cap(ring: F64, facing: F64, phi: F64, *, flip: bool) -> Mesh:
    """A flat fan closing a tube end; the ring turns counter-clockwise about the path's direction."""
    centre = ring[:-1].mean(axis=0)
    pos = np.vstack([centre, ring])
    k = np.arange(1, len(ring))
    idx = np.stack([np.zeros_like(k), k + 1, k] if flip else [np.zeros_like(k), k, k + 1], 1)
    uv = np.vstack([[0.5, 0.5], np.stack([np.cos(phi), np.sin(phi)], 1) * 0.5 + 0.5])
    return make_mesh(pos, np.broadcast_to(_unit(facing), pos.shape), uv, idx)


def from_trimesh(mesh: trimesh.Trimesh) -> Mesh:
    """A smooth trimesh primitive (icosphere, capsule) with spherical UVs, seam triangles re-wrapped."""
    p = np.asarray(mesh.vertices, np.float64)
    f = np.asarray(mesh.faces, np.int64)
    d = _unit(p - p.mean(axis=0))
    u = np.arctan2(d[:, 0], d[:, 2]) / (2 * np.pi) + 0.5
    v = np.arccos(np.clip(d[:, 1], -1.0, 1.0)) / np.pi
    normals = np.asarray(mesh.vertex_normals, np.float64)
    wraps = np.ptp(u[f], axis=1) > 0.5
    low = wraps[:, None] & (u[f] < 0.5)
    dup = np.unique(f[low])
    remap = np.full(len(p), -1)
    remap[dup] = len(p) + np.arange(len(dup))
    f = np.where(low, remap[f], f)
    uv = np.concatenate([np.stack([u, v], 1), np.stack([u[dup] + 1.0, v[dup]], 1)])
    return make_mesh(np.concatenate([p, p[dup]]), np.concatenate([normals, normals[dup]]), uv, f)


def tangents(mesh: Mesh) -> F32:
    """glTF tangents (xyz toward +u, w the bitangent sign) for normal-mapped parts."""
    p, n, uv = (a.astype(np.float64) for a in (mesh.positions, mesh.normals, mesh.uvs))
    f = mesh.indices.astype(np.int64)
    e1, e2 = p[f[:, 1]] - p[f[:, 0]], p[f[:, 2]] - p[f[:, 0]]
    d1, d2 = uv[f[:, 1]] - uv[f[:, 0]], uv[f[:, 2]] - uv[f[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    inv = np.divide(1.0, det, out=np.zeros_like(det), where=np.abs(det) > 1e-20)[:, None]
    tri_t = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * inv
    tri_b = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * inv
    tan, bit = np.zeros_like(p), np.zeros_like(p)
    for k in range(3):
        np.add.at(tan, f[:, k], tri_t)
        np.add.at(bit, f[:, k], tri_b)
    tan -= n * np.sum(n * tan, axis=1, keepdims=True)
    fallback = np.cross(n, np.where(np.abs(n[:, 1:2]) < 0.9, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]))
    ok = np.linalg.norm(tan, axis=1, keepdims=True) > 1e-9
    tan = _unit(np.where(ok, tan, fallback))
    w = np.where(np.sum(np.cross(n, tan) * bit, axis=1) < 0.0, -1.0, 1.0)
    return np.ascontiguousarray(np.concatenate([tan, w[:, None]], axis=1), np.float32)


# ------------------------------------------------------------------------------------------- textures


def _periodic_noise(size: int, cycles: tuple[float, float], seed: int) -> F64:
    """Zero-mean unit-variance noise that tiles: white noise low-passed in Fourier space.

    cycles is (across u, along v); unequal values stretch the noise, e.g. wood fibres along v.
    """
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((size, size))
    fv = np.fft.fftfreq(size)[:, None] * size / cycles[1]
    fu = np.fft.fftfreq(size)[None, :] * size / cycles[0]
    smooth = np.real(np.fft.ifft2(np.fft.fft2(white) * np.exp(-0.5 * (fu**2 + fv**2))))
    return np.asarray((smooth - smooth.mean()) / max(float(smooth.std()), 1e-12), np.float64)


def _rgb(hex_colour: str) -> F64:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def _rgba8(rgb: npt.ArrayLike) -> U8:
    """Float sRGB (H, W, 3) in 0..1 to the read-only RGBA8 the Image type holds."""
    a = np.clip(np.asarray(rgb, np.float64), 0.0, 1.0)
    out = np.concatenate([np.round(a * 255), np.full(a.shape[:2] + (1,), 255.0)], axis=2).astype(np.uint8)
    out.setflags(write=False)
    return out


def _smoothstep(e0: float, e1: float, x: F64) -> F64:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return np.asarray(t * t * (3 - 2 * t), np.float64)


@functools.cache
def wood_texture(light: str, dark: str, seed: int, size: int = 256) -> U8:
    """Base colour of flat-sawn timber: warped growth lines and fibres running along v."""
    warp = _periodic_noise(size, (3.0, 1.0), seed)
    fibre = _periodic_noise(size, (64.0, 3.0), seed + 1)
    tone = _periodic_noise(size, (2.0, 1.0), seed + 2)
    u = (np.arange(size) / size)[None, :]
    lines = 0.5 + 0.5 * np.cos(2 * np.pi * (u * 9 + 0.45 * warp))
    late = lines**6  # narrow dark latewood bands between wide pale earlywood
    value = np.clip(0.55 * late + 0.12 * fibre + 0.12 * tone + 0.25, 0.0, 1.0)[..., None]
    return _rgba8(_rgb(light) * (1 - value) + _rgb(dark) * value)


@functools.cache
def heather_texture(seed: int, size: int = 128) -> U8:
    """Near-white mottling that the material's colour tints: yarn-dyed fabric, not flat paint."""
    fine = _periodic_noise(size, (40.0, 40.0), seed)
    coarse = _periodic_noise(size, (6.0, 6.0), seed + 1)
    grey = np.clip(0.93 + 0.035 * fine + 0.025 * coarse, 0.0, 1.0)[..., None]
    return _rgba8(np.repeat(grey, 3, axis=2))


@functools.cache
def weave_normal_map(threads: int = 16, size: int = 128, strength: float = 2.5) -> U8:
    """Tangent-space normals (RGB = n * 0.5 + 0.5, +Y toward row 0) of a plain over-under weave."""
    pitch = size / threads
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    ix, iy = np.floor(x / pitch), np.floor(y / pitch)
    cx, cy = (x / pitch) % 1.0 - 0.5, (y / pitch) % 1.0 - 0.5
    warp = np.cos(np.pi * cx) ** 0.6 * (0.55 + 0.45 * np.cos(np.pi * (y / pitch + ix)))
    weft = np.cos(np.pi * cy) ** 0.6 * (0.55 - 0.45 * np.cos(np.pi * (x / pitch + iy)))
    height = np.maximum(warp, weft) + 0.08 * _periodic_noise(size, (48.0, 48.0), 7)
    gx = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / 2
    gy = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) / 2
    n = _unit(np.stack([-gx * strength, gy * strength, np.ones_like(gx)], -1))
    return _rgba8(n * 0.5 + 0.5)


@functools.cache
def glaze_texture(
    foot: str, low: str, high: str, bands: tuple[float, float], seed: int, size: int = 256
) -> U8:
    """Reactive glaze along a lathe's v: bare clay below bands[0], a low-to-high colour run that
    drips unevenly up to the rim at bands[1], the high colour inside, iron speckles throughout."""
    drip = _periodic_noise(size, (16.0, 2.0), seed)
    mottle = _periodic_noise(size, (8.0, 8.0), seed + 1)
    v = ((np.arange(size) + 0.5) / size)[:, None] + 0.006 * drip
    foot_v, rim_v = bands
    run = _smoothstep(foot_v + 0.05, rim_v, v + 0.02 * mottle)
    run = np.where(v > rim_v, 1.0 - 0.15 * _smoothstep(rim_v, 1.0, v), run)[..., None]
    colour = _rgb(low) * (1 - run) + _rgb(high) * run
    colour = colour * (1.0 + 0.03 * mottle[..., None])
    rng = np.random.default_rng(seed + 2)
    specks = (rng.random((size, size)) < 0.003).astype(np.float64)
    f = np.fft.fftfreq(size)
    blur = np.exp(-2 * (np.pi * 0.6) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))  # gaussian, sigma 0.6 px
    soft = np.real(np.fft.ifft2(np.fft.fft2(specks) * blur)) * 2 * np.pi * 0.6**2  # peak about 1
    colour = colour * (1 - 0.35 * np.clip(soft, 0, 1))[..., None]
    bare = (v < foot_v)[..., None]
    return _rgba8(np.where(bare, _rgb(foot) * (1.0 + 0.05 * mottle[..., None]), colour))


# ------------------------------------------------------------------------------------------ materials


def srgb(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """A designer's sRGB hex as the linear factor glTF wants for base_color_factor."""
    c = _rgb(hex_colour)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin[0]), float(lin[1]), float(lin[2]), alpha


def pbr(name: str, colour: str, *, roughness: float, metallic: float = 0.0) -> Material:
    return Material(
        name=name, base_color_factor=srgb(colour), metallic_factor=metallic, roughness_factor=roughness
    )


class ModelBuilder:
    """Collects named parts, their materials (one per variant) and images into one Model."""

    def __init__(self, name: str, variants: Sequence[str] = ()) -> None:
        self.name = name
        self.variants = tuple(variants)
        self._images: dict[str, int] = {}
        self._image_list: list[Image] = []
        self._materials: dict[Material, int] = {}
        self._parts: list[tuple[str, Mesh, tuple[int, ...]]] = []

    def texture(self, name: str, pixels: U8) -> TextureRef:
        """Register an image once per model and refer to it with the default repeat sampler."""
        if name not in self._images:
            self._images[name] = len(self._image_list)
            self._image_list.append(Image(name, pixels))
        return TextureRef(self._images[name])

    def _material(self, material: Material) -> int:
        return self._materials.setdefault(material, len(self._materials))

    def part(self, name: str, mesh: Mesh | Iterable[Mesh], *looks: Material) -> None:
        """Add a primitive; one look for all variants, or exactly one look per variant."""
        if len(looks) not in {1, max(len(self.variants), 1)}:
            raise ValueError(f"{self.name}/{name}: {len(looks)} looks for {len(self.variants)} variants")
        one = mesh if isinstance(mesh, Mesh) else merge(mesh)
        self._parts.append((name, one, tuple(self._material(m) for m in looks)))

    def build(self, source: str = "generated:demo") -> Model:
        """Centre on x = z = 0 with the lowest point on the floor, then freeze the arrays."""
        lo = np.min([m.positions.min(axis=0) for _, m, _ in self._parts], axis=0).astype(np.float64)
        hi = np.max([m.positions.max(axis=0) for _, m, _ in self._parts], axis=0).astype(np.float64)
        shift = translate(-(lo[0] + hi[0]) / 2, -lo[1], -(lo[2] + hi[2]) / 2)
        materials = list(self._materials)
        prims = []
        for _, mesh, looks in self._parts:
            placed = mesh.transformed(shift)
            needs_tangents = any(materials[i].normal_texture is not None for i in looks)
            prims.append(
                Primitive(
                    positions=_frozen(placed.positions),
                    normals=_frozen(placed.normals),
                    indices=_frozen(placed.indices),
                    material=looks[0],
                    texcoords=(_frozen(placed.uvs), None),
                    tangents=_frozen(tangents(placed)) if needs_tangents else None,
                    variant_materials=dict(enumerate(looks)) if len(set(looks)) > 1 else {},
                )
            )
        return Model(
            name=self.name,
            source=source,
            primitives=tuple(prims),
            materials=tuple(materials),
            images=tuple(self._image_list),
            variants=self.variants,
            mesh_names=tuple(name for name, _, _ in self._parts),
        )


def _frozen(a: npt.NDArray[_T]) -> npt.NDArray[_T]:
    out = np.ascontiguousarray(a)
    out.setflags(write=False)
    return out


def wood_material(
    builder: ModelBuilder, name: str, light: str, dark: str, *, seed: int = 11, roughness: float = 0.6
) -> Material:
    tex = builder.texture(f"{name}-grain", wood_texture(light, dark, seed))
    return replace(pbr(name, "#ffffff", roughness=roughness), base_color_texture=tex)


def fabric_material(builder: ModelBuilder, name: str, colour: str, *, roughness: float = 0.9) -> Material:
    """Upholstery: the colour tints a heathered base texture and a woven normal map catches light."""
    return replace(
        pbr(name, colour, roughness=roughness),
        base_color_texture=builder.texture("heather", heather_texture(5)),
        normal_texture=builder.texture("weave", weave_normal_map()),
    )


def glaze_material(builder: ModelBuilder, name: str, pixels: U8, *, roughness: float = 0.2) -> Material:
    tex = builder.texture(f"{name}-glaze", pixels)
    return replace(pbr(name, "#ffffff", roughness=roughness), base_color_texture=tex)
