"""A product's model on the GPU: vertex arrays, textures and one uniform block per material."""

from __future__ import annotations

from dataclasses import dataclass

import moderngl
import numpy as np
import numpy.typing as npt

from assets.model import WRAP_CLAMP, Image, Material, Model, Primitive, TextureRef
from render_node.tangents import generate_tangents

__all__ = ["POSITION_ONLY_FORMAT", "GpuMaterial", "GpuModel", "GpuPrimitive", "TextureCache", "upload_model"]

SRGB8_ALPHA8 = 0x8C43
VERTEX_FORMAT = "3f 3f 2f 2f 4f 4f"
POSITION_ONLY_FORMAT = "3f 60x"  # the same buffer read for positions alone
VERTEX_ATTRIBUTES = ("in_position", "in_normal", "in_uv0", "in_uv1", "in_tangent", "in_color")
ALPHA_MODES = {"OPAQUE": 0.0, "MASK": 1.0, "BLEND": 2.0}
SLOTS = ("base_color", "metal_rough", "normal", "occlusion", "emissive")


class TextureCache:
    """GL textures for images and the 1x1 defaults that stand in for absent texture slots."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.white = self._solid((255, 255, 255, 255), srgb=False)
        self.flat_normal = self._solid((128, 128, 255, 255), srgb=False)

    def _solid(self, rgba: tuple[int, int, int, int], srgb: bool) -> moderngl.Texture:
        return self.ctx.texture((1, 1), 4, bytes(rgba), internal_format=SRGB8_ALPHA8 if srgb else None)

    def upload(self, image: Image, ref: TextureRef, srgb: bool) -> moderngl.Texture:
        tex = self.ctx.texture(
            image.size,
            4,
            np.ascontiguousarray(image.pixels).tobytes(),
            internal_format=SRGB8_ALPHA8 if srgb else None,
        )
        tex.build_mipmaps()
        if ref.sampler.nearest:
            tex.filter = (moderngl.NEAREST_MIPMAP_NEAREST, moderngl.NEAREST)
        else:
            tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        # moderngl's textures know repeat and clamp; mirrored repeat is drawn as repeat.
        tex.repeat_x = ref.sampler.wrap_s != WRAP_CLAMP
        tex.repeat_y = ref.sampler.wrap_t != WRAP_CLAMP
        return tex


@dataclass
class GpuMaterial:
    block: moderngl.Buffer
    textures: tuple[moderngl.Texture, ...]  # in SLOTS order
    blended: bool
    double_sided: bool


@dataclass
class GpuPrimitive:
    vao: moderngl.VertexArray
    vbo: moderngl.Buffer
    ibo: moderngl.Buffer
    primitive: Primitive


@dataclass
class GpuModel:
    primitives: list[GpuPrimitive]
    materials: list[GpuMaterial]
    centre: npt.NDArray[np.float32]  # model space bounding sphere
    radius: float
    height: float

    def release(self) -> None:
        for p in self.primitives:
            p.vao.release()
            p.vbo.release()
            p.ibo.release()
        for m in self.materials:
            m.block.release()


def _material_block(material: Material, has_normal_map: bool) -> bytes:
    refs = (
        material.base_color_texture,
        material.metallic_roughness_texture,
        material.normal_texture,
        material.occlusion_texture,
        material.emissive_texture,
    )
    rows: list[list[float]] = []
    for ref in refs:
        m = ref.uv_matrix() if ref else np.identity(3, np.float32)
        uv_set = float(ref.texcoord if ref else 0)
        rows.append([*m[0].tolist(), uv_set])
        rows.append([*m[1].tolist(), 0.0])
    emissive = [c * material.emissive_strength for c in material.emissive_factor]
    values = [
        *material.base_color_factor,
        *emissive,
        0.0,
        material.metallic_factor,
        material.roughness_factor,
        material.normal_scale,
        material.occlusion_strength,
        material.alpha_cutoff,
        ALPHA_MODES[material.alpha_mode],
        material.transmission,
        1.0 if has_normal_map else 0.0,
    ]
    for row in rows:
        values.extend(row)
    return np.array(values, np.float32).tobytes()


def _vertex_data(prim: Primitive, need_tangents: bool) -> bytes:
    n = prim.positions.shape[0]
    uv0 = prim.texcoords[0] if prim.texcoords[0] is not None else np.zeros((n, 2), np.float32)
    uv1 = prim.texcoords[1] if prim.texcoords[1] is not None else uv0
    tangents = prim.tangents
    if tangents is None:
        tangents = (
            generate_tangents(prim.positions, prim.normals, uv0, prim.indices)
            if need_tangents
            else np.zeros((n, 4), np.float32)
        )
    colors = prim.colors if prim.colors is not None else np.ones((n, 4), np.float32)
    data = np.concatenate([prim.positions, prim.normals, uv0, uv1, tangents, colors], axis=1)
    return np.ascontiguousarray(data, np.float32).tobytes()


def upload_model(
    ctx: moderngl.Context, program: moderngl.Program, model: Model, cache: TextureCache
) -> GpuModel:
    image_textures: dict[tuple[int, bool, TextureRef], moderngl.Texture] = {}

    def texture(ref: TextureRef | None, srgb: bool, default: moderngl.Texture) -> moderngl.Texture:
        if ref is None or not 0 <= ref.image < len(model.images):
            return default
        key = (ref.image, srgb, ref)
        if key not in image_textures:
            image_textures[key] = cache.upload(model.images[ref.image], ref, srgb)
        return image_textures[key]

    materials = []
    for mat in model.materials:
        has_normal_map = mat.normal_texture is not None and 0 <= mat.normal_texture.image < len(model.images)
        textures = (
            texture(mat.base_color_texture, True, cache.white),
            texture(mat.metallic_roughness_texture, False, cache.white),
            texture(mat.normal_texture, False, cache.flat_normal),
            texture(mat.occlusion_texture, False, cache.white),
            texture(mat.emissive_texture, True, cache.white),
        )
        materials.append(
            GpuMaterial(
                ctx.buffer(_material_block(mat, has_normal_map)),
                textures,
                mat.is_transparent,
                mat.double_sided,
            )
        )
    primitives = []
    for prim in model.primitives:
        need_tangents = any(
            model.materials[m].normal_texture is not None
            for m in {prim.material, *prim.variant_materials.values()}
        )
        vbo = ctx.buffer(_vertex_data(prim, need_tangents))
        ibo = ctx.buffer(np.ascontiguousarray(prim.indices, np.uint32).tobytes())
        vao = ctx.vertex_array(
            program,
            [(vbo, VERTEX_FORMAT, *VERTEX_ATTRIBUTES)],
            index_buffer=ibo,
            index_element_size=4,
            skip_errors=True,
        )
        primitives.append(GpuPrimitive(vao, vbo, ibo, prim))
    lo, hi = model.bounds()
    centre = ((lo + hi) / 2).astype(np.float32)
    return GpuModel(primitives, materials, centre, float(np.linalg.norm(hi - lo)) / 2, float(hi[1] - lo[1]))
