"""In-memory helpers for renderer tests: simple models, product masks, projected bounds."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import trimesh

from assets.model import Material, Model, Primitive
from render_node.gl_context import create_context
from render_node.renderer import Renderer
from scenes.graph import FrameScene
from scenes.layout import Layout
from scenes.math3d import look_at, perspective

Mask = npt.NDArray[np.bool_]


def solid_model(
    name: str, mesh: trimesh.Trimesh, color: tuple[float, float, float], *, roughness: float = 0.8
) -> Model:
    """One untextured dielectric primitive standing on y=0."""
    mesh = mesh.copy()
    mesh.apply_translation([0.0, -mesh.bounds[0][1], 0.0])
    prim = Primitive(
        positions=mesh.vertices.astype(np.float32),
        normals=mesh.vertex_normals.astype(np.float32),
        indices=mesh.faces.astype(np.uint32),
        material=0,
    )
    material = Material(name, (*color, 1.0), metallic_factor=0.0, roughness_factor=roughness)
    return Model(name, "test", (prim,), (material,))


def renderer_with(models: Mapping[str, Model], layout: Layout, size: tuple[int, int]) -> Renderer:
    """A renderer on a fresh headless context with `models` uploaded by name; the caller releases it."""
    renderer = Renderer(create_context(), layout, size)
    for name, model in models.items():
        renderer.add_product(name, model)
    return renderer


def without(scene: FrameScene, product_id: str) -> FrameScene:
    return dataclasses.replace(scene, products=tuple(p for p in scene.products if p.product_id != product_id))


def product_mask(renderer: Renderer, scene: FrameScene, product_id: str, threshold: int = 12) -> Mask:
    """Pixels that change when the product is taken away: what the product itself covers."""
    with_it = renderer.render(scene)[..., :3].astype(np.int16)
    without_it = renderer.render(without(scene, product_id))[..., :3].astype(np.int16)
    mask: Mask = np.abs(with_it - without_it).max(axis=2) > threshold
    return mask


def projected_box(
    renderer: Renderer, scene: FrameScene, product_id: str, model: Model
) -> tuple[float, float, float, float]:
    """Screen-space (x0, y0, x1, y1) in pixels, y down, of the product's transformed bounds."""
    width, height = renderer.size
    cam = scene.camera
    vp = perspective(cam.fov_deg, width / height, cam.near, cam.far) @ look_at(cam.eye, cam.target)
    node = next(p for p in scene.products if p.product_id == product_id)
    lo, hi = model.bounds()
    corners = np.array(
        [[x, y, z, 1.0] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    )
    clip = (vp @ node.transform @ corners.T).T
    ndc = clip[:, :2] / clip[:, 3:4]
    xs = (ndc[:, 0] + 1) / 2 * width
    ys = (1 - ndc[:, 1]) / 2 * height
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def mean_color(frame: npt.NDArray[np.uint8], mask: Mask) -> npt.NDArray[np.float64]:
    colour: npt.NDArray[np.float64] = frame[..., :3][mask].astype(np.float64).mean(axis=0)
    return colour
