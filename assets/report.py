"""Plain-text reports on a loaded Model, for `holoshop assets check PATH` and catalog logs.

Written for a person deciding whether a file is fit for the showroom: sizes, what each
material uses and which glTF extensions were honoured or silently dropped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from assets.model import Material, Model

__all__ = ["describe", "summary_line"]

_SLOTS = (
    ("base colour", "base_color_texture"),
    ("metallic-roughness", "metallic_roughness_texture"),
    ("normal", "normal_texture"),
    ("occlusion", "occlusion_texture"),
    ("emissive", "emissive_texture"),
)


def describe(model: Model) -> str:
    """Multi-line report; every section is present even when empty, so reports diff cleanly."""
    lo, hi = model.bounds()
    size = hi - lo
    vertices = sum(len(p.positions) for p in model.primitives)
    meshes = ", ".join(model.mesh_names)
    lines = [
        f"name: {model.name}",
        f"source: {model.source}",
        f"meshes: {len(model.mesh_names)}" + (f" ({meshes})" if meshes else ""),
        f"primitives: {len(model.primitives)}",
        f"triangles: {model.triangle_count}",
        f"vertices: {vertices}",
        f"bounds: {size[0]:.4g} x {size[1]:.4g} x {size[2]:.4g} model units, min {_vec(lo)} max {_vec(hi)}",
        f"materials: {len(model.materials)}",
        *(f"  [{i}] {_material_line(m)}" for i, m in enumerate(model.materials)),
        f"textures: {len(model.images)}",
        *(f"  [{i}] {im.name}: {im.size[0]}x{im.size[1]}" for i, im in enumerate(model.images)),
        f"variants: {', '.join(model.variants) if model.variants else 'none'}",
        f"extensions honoured: {_names(model.extensions_honoured)}",
        f"extensions ignored: {_names(model.extensions_ignored)}",
    ]
    return "\n".join(lines)


def summary_line(model: Model) -> str:
    variants = f"{len(model.variants)} variants" if model.variants else "no variants"
    return (
        f"{model.name}: {model.triangle_count} triangles, {len(model.materials)} materials, "
        f"{len(model.images)} textures, {variants}"
    )


def _material_line(material: Material) -> str:
    slots = [label for label, attribute in _SLOTS if getattr(material, attribute) is not None]
    extras = []
    if material.alpha_mode == "MASK":
        extras.append(f"cutoff {material.alpha_cutoff:g}")
    if material.double_sided:
        extras.append("double-sided")
    if material.transmission > 0.0:
        extras.append(f"transmission {material.transmission:g}")
    textures = ", ".join(slots) if slots else "no textures"
    tail = f"; {', '.join(extras)}" if extras else ""
    return f"{material.name} [{material.alpha_mode}] textures: {textures}{tail}"


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "none"


def _vec(values: npt.NDArray[np.float32]) -> str:
    return "(" + ", ".join(f"{float(v):.4g}" for v in values) + ")"
