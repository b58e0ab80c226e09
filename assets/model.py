"""The renderer's form of a product model: triangles plus metallic-roughness PBR materials.

Everything here is plain numpy and dataclasses so that loaders, the demo catalog and the
renderer agree on one shape without any of them knowing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "AlphaMode",
    "Image",
    "Material",
    "Model",
    "Primitive",
    "Sampler",
    "TextureRef",
    "WRAP_CLAMP",
    "WRAP_MIRROR",
    "WRAP_REPEAT",
]

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]

AlphaMode = Literal["OPAQUE", "MASK", "BLEND"]

# glTF sampler wrap modes (the GL enums glTF uses).
WRAP_REPEAT = 10497
WRAP_CLAMP = 33071
WRAP_MIRROR = 33648


@dataclass(frozen=True)
class Image:
    """Decoded texture pixels, always RGBA8, rows top to bottom as glTF stores them."""

    name: str
    pixels: U8  # (H, W, 4)

    @property
    def size(self) -> tuple[int, int]:
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


@dataclass(frozen=True)
class Sampler:
    wrap_s: int = WRAP_REPEAT
    wrap_t: int = WRAP_REPEAT
    nearest: bool = False


@dataclass(frozen=True)
class TextureRef:
    """One material slot's texture: which image, how to sample, which UV set and its transform.

    `offset`, `rotation` and `scale` are KHR_texture_transform; `texcoord` may be overridden by it.
    """

    image: int
    sampler: Sampler = field(default_factory=Sampler)
    texcoord: int = 0
    offset: tuple[float, float] = (0.0, 0.0)
    rotation: float = 0.0
    scale: tuple[float, float] = (1.0, 1.0)

    def uv_matrix(self) -> F32:
        """3x3 matrix applied to (u, v, 1) as in the KHR_texture_transform spec (T * R * S)."""
        c, s = float(np.cos(self.rotation)), float(np.sin(self.rotation))
        t = np.array([[1, 0, self.offset[0]], [0, 1, self.offset[1]], [0, 0, 1]], np.float32)
        r = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], np.float32)
        sc = np.array([[self.scale[0], 0, 0], [0, self.scale[1], 0], [0, 0, 1]], np.float32)
        return (t @ r @ sc).astype(np.float32)


@dataclass(frozen=True)
class Material:
    """glTF metallic-roughness material; factors multiply their textures as the spec says."""

    name: str = "default"
    base_color_factor: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    base_color_texture: TextureRef | None = None
    metallic_factor: float = 1.0
    roughness_factor: float = 1.0
    metallic_roughness_texture: TextureRef | None = None
    normal_texture: TextureRef | None = None
    normal_scale: float = 1.0
    occlusion_texture: TextureRef | None = None
    occlusion_strength: float = 1.0
    emissive_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    emissive_texture: TextureRef | None = None
    emissive_strength: float = 1.0  # KHR_materials_emissive_strength
    alpha_mode: AlphaMode = "OPAQUE"
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    transmission: float = 0.0  # KHR_materials_transmission, drawn as see-through glass

    @property
    def is_transparent(self) -> bool:
        return self.alpha_mode == "BLEND" or self.transmission > 0.0


@dataclass(frozen=True)
class Primitive:
    """One triangle list in model space (node transforms already applied)."""

    positions: F32  # (N, 3)
    normals: F32  # (N, 3), unit length
    indices: U32  # (M, 3)
    material: int  # index into Model.materials
    texcoords: tuple[F32 | None, F32 | None] = (None, None)  # TEXCOORD_0, TEXCOORD_1: (N, 2)
    tangents: F32 | None = None  # (N, 4), w is the bitangent sign
    colors: F32 | None = None  # COLOR_0 as (N, 4)
    # KHR_materials_variants: variant index -> material index for this primitive.
    variant_materials: dict[int, int] = field(default_factory=dict)

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0])

    def material_for(self, variant: int | None) -> int:
        if variant is None:
            return self.material
        return self.variant_materials.get(variant, self.material)


@dataclass(frozen=True)
class Model:
    """A product's geometry and look, as loaded from glTF or built by the demo catalog."""

    name: str
    source: str
    primitives: tuple[Primitive, ...]
    materials: tuple[Material, ...]
    images: tuple[Image, ...] = ()
    variants: tuple[str, ...] = ()
    mesh_names: tuple[str, ...] = ()  # the source's meshes, for reports
    extensions_honoured: tuple[str, ...] = ()
    extensions_ignored: tuple[str, ...] = ()

    @property
    def triangle_count(self) -> int:
        return sum(p.triangle_count for p in self.primitives)

    def bounds(self) -> tuple[F32, F32]:
        """Axis-aligned (min, max) over every primitive."""
        if not self.primitives:
            zero = np.zeros(3, np.float32)
            return zero, zero
        lo = np.min([p.positions.min(axis=0) for p in self.primitives], axis=0)
        hi = np.max([p.positions.max(axis=0) for p in self.primitives], axis=0)
        return lo.astype(np.float32), hi.astype(np.float32)
