"""Bakes a product's soft contact shadow once, from a top-down view, into a small texture.

Drawn as a decal that turns with the product, it costs one textured quad per frame instead of
a shadow-map pass over every triangle, which matters on a software rasteriser.
"""

from __future__ import annotations

import moderngl
import numpy as np
from scipy.ndimage import gaussian_filter

from render_node.gl_program import uniform
from render_node.gpu_model import POSITION_ONLY_FORMAT, GpuModel

__all__ = ["SHADOW_SIZE", "bake_contact_shadow"]

SHADOW_SIZE = 128


def bake_contact_shadow(
    ctx: moderngl.Context, program: moderngl.Program, model: GpuModel, half_size: float
) -> moderngl.Texture:
    fbo = ctx.simple_framebuffer((SHADOW_SIZE, SHADOW_SIZE), components=4)
    try:
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 1.0)
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.enable(moderngl.BLEND)
        ctx.blend_equation = (moderngl.MAX, moderngl.MAX)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        uniform(program, "u_half_size").value = half_size
        uniform(program, "u_height").value = max(model.height, 1e-3)
        for prim in model.primitives:
            vao = ctx.vertex_array(
                program,
                [(prim.vbo, POSITION_ONLY_FORMAT, "in_position")],
                index_buffer=prim.ibo,
                index_element_size=4,
            )
            vao.render(moderngl.TRIANGLES)
            vao.release()
        raw = np.frombuffer(fbo.read(components=1), np.uint8).reshape(SHADOW_SIZE, SHADOW_SIZE)
    finally:
        ctx.blend_equation = (moderngl.FUNC_ADD, moderngl.FUNC_ADD)
        fbo.release()
    blurred = gaussian_filter(raw.astype(np.float32) / 255.0, sigma=SHADOW_SIZE / 40)
    blurred = np.clip(blurred * 1.3, 0.0, 1.0)
    tex = ctx.texture((SHADOW_SIZE, SHADOW_SIZE), 1, (blurred * 255).astype(np.uint8).tobytes())
    tex.repeat_x = tex.repeat_y = False
    return tex
