"""Draws the assistant's figure (a `FigureNode`) into the frame the renderer is building.

The mesh is uploaded once; a frame costs three draws: the floor pad (light added, depth tested
against the showroom), a depth-only pass of the body, then the body's colour where it is the
nearest surface, so the translucent figure shows one layer and never its own insides.
"""

from __future__ import annotations

import math

import moderngl
import numpy as np

from avatar.character.mesh import FigureMesh, Part, figure_mesh
from avatar.character.skeleton import BONE_COUNT
from render_node.gl_program import block, uniform
from render_node.shader_source import shader_source
from scenes.graph import FigureNode

__all__ = ["PART_STYLES", "FigureRenderer"]

# Per part: fill alpha, rim strength, white core, darkness of the fill (see figure.frag).
PART_STYLES: dict[Part, tuple[float, float, float, float]] = {
    Part.BODY: (0.34, 1.6, 0.0, 0.25),
    Part.FACE: (0.9, 0.9, 0.0, 0.86),
    Part.EYES: (1.0, 0.2, 0.95, 0.0),
    Part.MOUTH: (1.0, 0.2, 0.85, 0.0),
    Part.SKIRT: (0.30, 1.3, 0.1, 0.25),
    Part.PAD: (0.9, 0.0, 0.35, 0.0),
    Part.ACCENT: (0.9, 0.6, 0.55, 0.0),
}


def flicker(t: float) -> float:
    """A faint, deterministic shimmer: two incommensurate waves and a rare dip."""
    wave = 0.035 * math.sin(t * 23.0) * math.sin(t * 7.3)
    dip = 0.12 if (t * 0.37) % 1.0 < 0.012 else 0.0
    return 1.0 + wave - dip


class FigureRenderer:
    """Owns the figure's GL objects on one context; `draw` expects the Frame block bound at 0."""

    def __init__(self, ctx: moderngl.Context, mesh: FigureMesh | None = None) -> None:
        self.ctx = ctx
        mesh = mesh if mesh is not None else figure_mesh()
        self.program = ctx.program(
            vertex_shader=shader_source("figure.vert"), fragment_shader=shader_source("figure.frag")
        )
        # The depth pass shares the vertex shader but skips the lighting: llvmpipe runs a
        # fragment shader even with colour writes off.
        self.depth_program = ctx.program(
            vertex_shader=shader_source("figure.vert"), fragment_shader=shader_source("figure_depth.frag")
        )
        for prog in (self.program, self.depth_program):
            block(prog, "Frame").binding = 0
        styles = np.array([PART_STYLES[p] for p in Part], np.float32)
        uniform(self.program, "u_style").write(styles.tobytes())
        # The pad's triangles go last, so the body and the pad are two ranges of one buffer.
        tri_parts = mesh.parts[mesh.indices[:, 0]]
        order = np.argsort(tri_parts == Part.PAD, kind="stable")
        indices = np.ascontiguousarray(mesh.indices[order])
        self._body_indices = int((tri_parts != Part.PAD).sum()) * 3
        self._pad_indices = indices.size - self._body_indices
        self.triangle_count = mesh.triangle_count
        self._vbo = ctx.buffer(mesh.vertices.astype(np.float32).tobytes())
        self._ibo = ctx.buffer(indices.astype(np.uint32).tobytes())
        layout = "3f 3f 2f 1f 1f 1f"
        names = ("in_position", "in_normal", "in_bones", "in_weight", "in_part", "in_fade")
        self.vao = ctx.vertex_array(
            self.program, [(self._vbo, layout, *names)], index_buffer=self._ibo, index_element_size=4
        )
        # The depth pass reads no normal, part or fade: moderngl skips those attributes.
        self.depth_vao = ctx.vertex_array(
            self.depth_program,
            [(self._vbo, layout, *names)],
            index_buffer=self._ibo,
            index_element_size=4,
            skip_errors=True,
        )

    def draw(
        self, node: FigureNode, target: moderngl.Framebuffer, color: tuple[float, float, float], time: float
    ) -> int:
        """Draw the figure over what `target` holds (depth tested against it); returns draw calls."""
        if node.presence <= 0.0:
            return 0
        bones = np.ascontiguousarray(np.asarray(node.bones, np.float32).transpose(0, 2, 1))
        if bones.shape != (BONE_COUNT, 4, 4):
            raise ValueError(f"a figure needs {BONE_COUNT} bone matrices, got {bones.shape}")
        model = np.ascontiguousarray(node.transform.T, np.float32).tobytes()
        presence = min(max(node.presence, 0.0), 1.0)
        for prog in (self.program, self.depth_program):
            uniform(prog, "u_bones").write(bones.tobytes())
            uniform(prog, "u_model").write(model)
            uniform(prog, "u_presence").value = presence
        prog = self.program
        uniform(prog, "u_color").value = color
        uniform(prog, "u_intensity").value = (0.8 + 0.45 * min(max(node.glow, 0.0), 1.0)) * flicker(time)
        ctx = self.ctx
        target.use()
        ctx.enable(moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.CULL_FACE)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        ctx.depth_func = "<"
        # 1. The floor pad: light added where the showroom is farther, no depth written.
        target.depth_mask = False
        self.vao.render(moderngl.TRIANGLES, vertices=self._pad_indices, first=self._body_indices)
        # 2. The body's depth alone, 3. its colour only where it is that nearest surface.
        target.depth_mask = True
        target.color_mask = (False, False, False, False)
        target.use()  # moderngl applies a framebuffer's colour mask when it is bound
        self.depth_vao.render(moderngl.TRIANGLES, vertices=self._body_indices)
        target.color_mask = (True, True, True, True)
        target.use()
        target.depth_mask = False
        ctx.depth_func = "<="
        self.vao.render(moderngl.TRIANGLES, vertices=self._body_indices)
        target.depth_mask = True
        ctx.depth_func = "<"
        ctx.disable(moderngl.BLEND)
        return 3

    def release(self) -> None:
        for obj in (self.vao, self.depth_vao, self._vbo, self._ibo, self.program, self.depth_program):
            obj.release()
