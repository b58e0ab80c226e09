"""Which product is under a point of the picture: a click or a tap focuses what it lands on."""

from __future__ import annotations

import numpy as np

from scenes.graph import FrameScene
from scenes.math3d import Vec3, look_at, perspective

__all__ = ["pick_product"]


def pick_product(
    scene: FrameScene, x: float, y: float, aspect: float, heights: dict[str, float], radius: float
) -> str | None:
    """The product whose upright bounding cylinder covers (x, y), nearest first.

    x and y are 0..1 across the picture from its top-left corner. Each product is approximated
    by a vertical segment from its base to its top, widened by `radius` (the plinth's radius):
    generous, which is what a thumb on a phone or a click on a TV needs.
    """
    cam = scene.camera
    view_proj = perspective(cam.fov_deg, aspect, cam.near, cam.far) @ look_at(cam.eye, cam.target)
    point = np.array([(x * 2 - 1) * aspect, 1 - y * 2])
    best: tuple[float, str] | None = None
    for node in scene.products:
        base = node.transform[:3, 3]
        top = base + np.array([0.0, heights.get(node.product_id, 1.0), 0.0])
        side = base + _right(cam.eye, cam.target) * radius
        clip = [view_proj @ np.append(p, 1.0) for p in (base, top, side)]
        if any(c[3] <= cam.near for c in clip):
            continue  # behind the camera
        # Screen positions in a square metric: NDC x is stretched by the aspect ratio.
        b, t, s = (c[:2] / c[3] * np.array([aspect, 1.0]) for c in clip)
        half_width = float(np.linalg.norm(s - b))
        seg = t - b
        along = float(np.clip(np.dot(point - b, seg) / max(float(np.dot(seg, seg)), 1e-9), 0.0, 1.0))
        closest = b + seg * along
        if float(np.linalg.norm(point - closest)) <= half_width:
            distance = float(np.linalg.norm(base - cam.eye))
            if best is None or distance < best[0]:
                best = (distance, node.product_id)
    return None if best is None else best[1]


def _right(eye: Vec3, target: Vec3) -> Vec3:
    right = np.cross(target - eye, np.array([0.0, 1.0, 0.0], np.float32))
    norm = float(np.linalg.norm(right))
    unit: Vec3 = (right / norm if norm > 1e-9 else np.array([1.0, 0.0, 0.0])).astype(np.float32)
    return unit
