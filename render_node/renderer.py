"""The showroom renderer: metallic-roughness PBR under image-based light, with the brand's look.

One instance per session owns one GL framebuffer and one reused readback buffer, so a frame
costs no allocation: `render()` returns a view the caller copies or encodes before the next call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

import moderngl
import numpy as np
import numpy.typing as npt

from assets.environment import EnvironmentMap, studio_environment
from assets.model import Model
from render_node.contact_shadow import bake_contact_shadow
from render_node.figure_renderer import FigureRenderer
from render_node.gl_context import is_software
from render_node.gl_program import block, uniform
from render_node.gl_sync import finish
from render_node.gpu_model import GpuModel, TextureCache, upload_model
from render_node.ibl import PreparedEnvironment, prepare_environment
from render_node.shader_source import shader_source
from render_node.showroom_meshes import cylinder, fullscreen_triangle, unit_quad
from scenes.graph import FigureNode, FrameScene, ProductNode
from scenes.layout import Layout
from scenes.math3d import Mat4, look_at, perspective

__all__ = ["FrameTimes", "Renderer"]

Frame = npt.NDArray[np.uint8]

# Rendering upside down makes glReadPixels' bottom-up rows come out top-down, ready for a
# video encoder with no extra copy; the winding of front faces flips with it.
_FLIP_Y = np.diag([1.0, -1.0, 1.0, 1.0]).astype(np.float32)
_ENV_UNIT, _SHADOW_UNIT, _IRRADIANCE_UNIT = 0, 6, 7
_MATERIAL_UNITS = (1, 2, 3, 4, 5)
_STILL_FOCUS = 1e-3  # below this a product and its plinth count as still
CURSOR_RADIUS = 0.03  # the hand cursor's radius, a fraction of the picture's height
_MATERIAL_SAMPLERS = (
    "u_base_color_tex",
    "u_metal_rough_tex",
    "u_normal_tex",
    "u_occlusion_tex",
    "u_emissive_tex",
)


@dataclass
class FrameTimes:
    """Milliseconds spent in each renderer stage of the last frame."""

    draw_ms: float = 0.0
    readback_ms: float = 0.0
    draw_calls: int = 0
    triangles: int = 0
    still_layer_redrawn: bool = False


@dataclass
class _Product:
    gpu: GpuModel
    shadow: moderngl.Texture
    shadow_half_size: float


@dataclass
class _DrawItem:
    node: ProductNode
    product: _Product
    distance: float
    blended: list[int] = field(default_factory=list)


P = ParamSpec("P")
R = TypeVar("R")


def _current(method: Callable[Concatenate[Renderer, P], R]) -> Callable[Concatenate[Renderer, P], R]:
    """Make the renderer's context current for the call: several renderers may share a thread."""

    def wrapper(self: Renderer, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.ctx:
            return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


@dataclass
class _View:
    """One frame's camera: its matrix, its frustum planes and the products inside, nearest first."""

    view_proj: Mat4
    planes: npt.NDArray[np.float32]
    items: list[_DrawItem]


def _gl(m: Mat4) -> bytes:
    """Column-major bytes for GLSL."""
    return np.ascontiguousarray(m.T, np.float32).tobytes()


def _frustum_planes(view_proj: Mat4) -> npt.NDArray[np.float32]:
    m = view_proj
    planes = np.array(
        [m[3] + m[0], m[3] - m[0], m[3] + m[1], m[3] - m[1], m[3] + m[2], m[3] - m[2]], np.float32
    )
    normalised: npt.NDArray[np.float32] = planes / np.linalg.norm(planes[:, :3], axis=1, keepdims=True)
    return normalised.astype(np.float32)


class Renderer:
    def __init__(
        self,
        ctx: moderngl.Context,
        layout: Layout,
        size: tuple[int, int] = (1280, 720),
        *,
        msaa: int | None = None,
        environment: EnvironmentMap | PreparedEnvironment | None = None,
        exposure: float = 1.0,
        cache_still_layer: bool = True,
    ) -> None:
        self.ctx = ctx
        self.cache_still_layer = cache_still_layer
        self._still_key_drawn: bytes | None = None
        self._last_key: bytes | None = None
        self.layout = layout
        self.exposure = exposure
        self.times = FrameTimes()
        self._products: dict[str, _Product] = {}
        self._textures = TextureCache(ctx)
        self._programs = {
            name: ctx.program(
                vertex_shader=shader_source(f"{name}.vert"), fragment_shader=shader_source(f"{name}.frag")
            )
            for name in ("pbr", "plinth", "floor", "background", "decal", "holo", "shadow_bake", "cursor")
        }
        self._frame_block = ctx.buffer(reserve=36 * 4)
        for prog in self._programs.values():
            if "Frame" in prog:
                block(prog, "Frame").binding = 0
            if "u_env_map" in prog:
                uniform(prog, "u_env_map").value = _ENV_UNIT
            if "u_irradiance" in prog:
                uniform(prog, "u_irradiance").value = _IRRADIANCE_UNIT
        pbr = self._programs["pbr"]
        block(pbr, "Material").binding = 1
        for name, unit in zip(_MATERIAL_SAMPLERS, _MATERIAL_UNITS, strict=True):
            uniform(pbr, name).value = unit
        uniform(self._programs["decal"], "u_shadow").value = _SHADOW_UNIT
        self._build_showroom_meshes()
        self._figure: FigureRenderer | None = None  # built on the first frame with the assistant
        self._env_texture: moderngl.Texture | None = None
        self._irradiance: moderngl.TextureCube | None = None
        self._env_max_lod = 0.0
        self._ambient_up = (0.0, 0.0, 0.0)
        self.set_environment(environment if environment is not None else studio_environment())
        self._size = (0, 0)
        # Multisampling is nearly free on a GPU and costs half the frame rate on llvmpipe (measured:
        # 4x took 640x360 from 72 to 28 FPS), so by default only hardware gets it.
        self._msaa = msaa if msaa is not None else (0 if is_software(ctx) else 4)
        self.resize(size)

    # -- resources ---------------------------------------------------------------------------
    def _vao(
        self, program: str, data: npt.NDArray[np.float32], fmt: str, *attrs: str, indices: bytes | None = None
    ) -> moderngl.VertexArray:
        vbo = self.ctx.buffer(data.tobytes())
        ibo = self.ctx.buffer(indices) if indices is not None else None
        return self.ctx.vertex_array(
            self._programs[program],
            [(vbo, fmt, *attrs)],
            index_buffer=ibo,
            index_element_size=4,
            skip_errors=True,
        )

    def _build_showroom_meshes(self) -> None:
        plinth = self.layout.plinth
        verts, idx = cylinder(plinth.radius, plinth.height)
        self._plinth_vao = self._vao(
            "plinth", verts, "3f 3f 2f", "in_position", "in_normal", "in_uv", indices=idx.tobytes()
        )
        verts, idx = cylinder(plinth.radius * 0.985, 0.55, cap=False)
        self._holo_vao = self._vao(
            "holo", verts, "3f 3f 2f", "in_position", "in_normal", "in_uv", indices=idx.tobytes()
        )
        self._floor_vao = self._vao("floor", unit_quad(), "2f", "in_position")
        self._background_vao = self._vao("background", fullscreen_triangle(), "2f", "in_position")
        self._decal_vao = self._vao("decal", unit_quad(), "2f", "in_position")
        self._cursor_vao = self._vao("cursor", unit_quad(), "2f", "in_position")

    @_current
    def set_environment(self, env: EnvironmentMap | PreparedEnvironment) -> None:
        """Use a new environment; a raw map is prefiltered first (CPU work: not per frame).

        Sessions sharing one environment pass it prepared, so each pays only the upload.
        """
        if isinstance(env, PreparedEnvironment):
            prepared = env
        else:
            prepared = prepare_environment(env, self.layout.lights.environment_rotation_deg)
        base = prepared.levels[0]
        tex = self.ctx.texture(
            (base.shape[1], base.shape[0]), 3, base.astype(np.float16).tobytes(), dtype="f2"
        )
        tex.build_mipmaps(0, len(prepared.levels) - 1)
        for level, data in enumerate(prepared.levels[1:], start=1):
            tex.write(data.astype(np.float16).tobytes(), level=level)
        tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        tex.repeat_y = False
        cube_size = prepared.irradiance_cube.shape[1]
        cube = self.ctx.texture_cube(
            (cube_size, cube_size), 3, prepared.irradiance_cube.astype(np.float16).tobytes(), dtype="f2"
        )
        cube.filter = (moderngl.LINEAR, moderngl.LINEAR)
        for old in (self._env_texture, self._irradiance):
            if old is not None:
                old.release()
        self._env_texture, self._irradiance = tex, cube
        self._env_max_lod = float(len(prepared.levels) - 1)
        self._still_key_drawn = None
        r, g, b = (float(v) for v in prepared.ambient_up)
        self._ambient_up = (r, g, b)

    @_current
    def add_product(self, product_id: str, model: Model) -> None:
        """Upload a product (already normalised to stand at the origin) and bake its contact shadow."""
        if product_id in self._products:
            self.remove_product(product_id)
        gpu = upload_model(self.ctx, self._programs["pbr"], model, self._textures)
        lo, hi = model.bounds()
        half = max(float(np.max(np.abs(np.concatenate([lo[[0, 2]], hi[[0, 2]]])))), 0.05) * 1.35
        shadow = bake_contact_shadow(self.ctx, self._programs["shadow_bake"], gpu, half)
        self._products[product_id] = _Product(gpu, shadow, half)
        self._still_key_drawn = None

    @_current
    def remove_product(self, product_id: str) -> None:
        product = self._products.pop(product_id, None)
        self._still_key_drawn = None
        if product is not None:
            product.gpu.release()
            product.shadow.release()

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    @_current
    def resize(self, size: tuple[int, int]) -> None:
        width, height = size
        if not (16 <= width <= 7680 and 16 <= height <= 4320):
            raise ValueError(f"frame size {width}x{height} is outside 16x16..7680x4320")
        if size == self._size:
            return
        self._size = size
        samples = min(self._msaa, self.ctx.max_samples) if self._msaa > 1 else 0
        self._fbo = self.ctx.framebuffer(
            self.ctx.renderbuffer(size, 4, samples=samples),
            self.ctx.depth_renderbuffer(size, samples=samples),
        )
        self._still_fbo = self.ctx.framebuffer(
            self.ctx.renderbuffer(size, 4, samples=samples),
            self.ctx.depth_renderbuffer(size, samples=samples),
        )
        self._still_key_drawn = None
        self._last_key = None
        self._resolve = self.ctx.simple_framebuffer(size, components=4) if samples else self._fbo
        self._frame: Frame = np.empty((height, width, 4), np.uint8)

    # -- drawing -----------------------------------------------------------------------------
    def _write_frame_block(self, scene: FrameScene, view_proj: Mat4) -> None:
        lights = self.layout.lights
        key = scene.key_light
        values = np.concatenate(
            [
                view_proj.T.reshape(-1),
                [*scene.camera.eye, scene.time],
                [*key.direction, key.intensity],
                [*key.color, 0.0],
                [0.0, 0.0, lights.environment_intensity, self._env_max_lod],
                [self.exposure, lights.background_intensity, 0.0, 0.0],
            ]
        ).astype(np.float32)
        self._frame_block.write(values.tobytes())

    @_current
    def render(self, scene: FrameScene) -> Frame:
        """Draw one frame and read it back: (height, width, 4) RGBA, rows top to bottom."""
        started = time.perf_counter()
        width, height = self._size
        cam = scene.camera
        view = look_at(cam.eye, cam.target)
        view_proj = (_FLIP_Y @ perspective(cam.fov_deg, width / height, cam.near, cam.far) @ view).astype(
            np.float32
        )
        self._write_frame_block(scene, view_proj)
        ctx = self.ctx
        self._frame_block.bind_to_uniform_block(0)
        assert self._env_texture is not None and self._irradiance is not None
        self._env_texture.use(_ENV_UNIT)
        self._irradiance.use(_IRRADIANCE_UNIT)
        ctx.front_face = "cw"
        self.times = FrameTimes()

        # What is in focus moves (turntable, glow, light curtain); the rest of the showroom is
        # still while the camera rests. Once the camera has rested for two frames, the still
        # part is drawn once into a cached layer and each frame draws only what moves over it.
        moving = {p.product_id for p in scene.products if p.focus > _STILL_FOCUS}
        # Culled once per frame, whichever passes draw it.
        culled = _View(view_proj, _frustum_planes(view_proj), [])
        culled.items.extend(self._visible_products(scene, culled.planes))
        key = self._still_key(scene, moving) if self.cache_still_layer else None
        settled, self._last_key = key is not None and key == self._last_key, key
        if settled and key != self._still_key_drawn:
            self._draw_pass(scene, culled, self._still_fbo, lambda focus: focus <= _STILL_FOCUS, full=True)
            self._still_key_drawn = key
            self.times.still_layer_redrawn = True
        if settled:
            ctx.copy_framebuffer(self._fbo, self._still_fbo)
            self._draw_pass(scene, culled, self._fbo, lambda focus: focus > _STILL_FOCUS, full=False)
        else:
            self._draw_pass(scene, culled, self._fbo, lambda focus: True, full=True)
        if scene.assistant is not None:
            self._draw_figure(scene.assistant, scene.time)
        if scene.hand is not None:
            self._draw_cursor(scene.hand, scene.time)
        finish(ctx)  # without the GIL: the event loop and the encoder keep running
        drawn = time.perf_counter()
        if self._resolve is not self._fbo:
            ctx.copy_framebuffer(self._resolve, self._fbo)
        self._resolve.read_into(self._frame, components=4)
        self.times.draw_ms = (drawn - started) * 1000
        self.times.readback_ms = (time.perf_counter() - drawn) * 1000
        return self._frame

    def _draw_pass(
        self,
        scene: FrameScene,
        view: _View,
        target: moderngl.Framebuffer,
        include: Callable[[float], bool],
        *,
        full: bool,
    ) -> None:
        """Draw the products and plinths whose focus `include` accepts; `full` adds floor and backdrop."""
        ctx = self.ctx
        target.use()
        if full:
            target.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.disable(moderngl.BLEND)
        ctx.depth_func = "<"
        target.depth_mask = True
        items = [item for item in view.items if include(item.node.focus)]
        for item in items:  # nearest first: early depth rejection saves fragment work
            self._draw_product(item, blended=False)
        self._draw_plinths(scene, view.planes, include)
        if full:
            self._draw_floor()
            self._draw_background(view.view_proj)
        target.depth_mask = False
        ctx.enable(moderngl.BLEND)
        self._draw_shadows(items)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        for item in reversed(items):  # farthest first for see-through materials
            self._draw_product(item, blended=True)
        self._draw_holo(scene, include)
        target.depth_mask = True
        ctx.disable(moderngl.BLEND)

    def _still_key(self, scene: FrameScene, moving: set[str]) -> bytes:
        """Everything the still layer depends on; equal keys mean the cached layer is still right."""
        cam = scene.camera
        parts = [
            np.round(np.concatenate([cam.eye, cam.target]), 4).tobytes(),
            repr((cam.fov_deg, self._size)).encode(),
        ]
        for product, plinth in zip(scene.products, scene.plinths, strict=False):
            if product.product_id in moving:
                parts.append(product.product_id.encode())
                continue
            parts.append(repr((product.product_id, product.variant, round(plinth.focus, 3))).encode())
            parts.append(np.round(product.transform, 4).tobytes())
        return b"|".join(parts)

    def _visible_products(self, scene: FrameScene, planes: npt.NDArray[np.float32]) -> list[_DrawItem]:
        items = []
        for node in scene.products:
            product = self._products.get(node.product_id)
            if product is None:
                continue
            centre = node.transform @ np.append(product.gpu.centre, 1.0)
            if np.any(planes[:, :3] @ centre[:3] + planes[:, 3] < -product.gpu.radius):
                continue
            distance = float(np.linalg.norm(centre[:3] - scene.camera.eye))
            items.append(_DrawItem(node, product, distance))
        items.sort(key=lambda item: item.distance)
        return items

    def _draw_product(self, item: _DrawItem, *, blended: bool) -> None:
        prog = self._programs["pbr"]
        gpu = item.product.gpu
        model = item.node.transform
        uniform(prog, "u_model").write(_gl(model))
        normal_matrix = np.linalg.inv(model[:3, :3]).T.astype(np.float32)
        uniform(prog, "u_normal_matrix").write(_gl(normal_matrix))
        for prim in gpu.primitives:
            material = gpu.materials[prim.primitive.material_for(item.node.variant)]
            if material.blended != blended:
                continue
            material.block.bind_to_uniform_block(1)
            for unit, texture in zip(_MATERIAL_UNITS, material.textures, strict=True):
                texture.use(unit)
            if material.double_sided:
                self.ctx.disable(moderngl.CULL_FACE)
            prim.vao.render(moderngl.TRIANGLES)
            if material.double_sided:
                self.ctx.enable(moderngl.CULL_FACE)
            self.times.draw_calls += 1
            self.times.triangles += prim.primitive.triangle_count

    def _draw_plinths(
        self, scene: FrameScene, planes: npt.NDArray[np.float32], include: Callable[[float], bool]
    ) -> None:
        prog = self._programs["plinth"]
        spec = self.layout.plinth
        uniform(prog, "u_ring_color").value = spec.ring_color
        uniform(prog, "u_glow").value = spec.glow
        uniform(prog, "u_radius").value = spec.radius
        reach = math.hypot(spec.radius, spec.height)
        for plinth in scene.plinths:
            if not include(plinth.focus):
                continue
            centre = plinth.transform[:3, 3] + np.array([0.0, plinth.height / 2, 0.0], np.float32)
            if np.any(planes[:, :3] @ centre + planes[:, 3] < -reach):
                continue
            uniform(prog, "u_model").write(_gl(plinth.transform))
            uniform(prog, "u_focus").value = plinth.focus
            self._plinth_vao.render(moderngl.TRIANGLES)
            self.times.draw_calls += 1

    def _draw_floor(self) -> None:
        floor = self.layout.floor
        prog = self._programs["floor"]
        uniform(prog, "u_color").value = floor.color
        uniform(prog, "u_grid_color").value = floor.grid_color
        uniform(prog, "u_grid_spacing").value = floor.grid_spacing
        uniform(prog, "u_extent").value = floor.extent
        uniform(prog, "u_ambient").value = self._ambient_up
        self.ctx.disable(moderngl.CULL_FACE)
        self._floor_vao.render(moderngl.TRIANGLES)
        self.ctx.enable(moderngl.CULL_FACE)
        self.times.draw_calls += 1

    def _draw_background(self, view_proj: Mat4) -> None:
        # Last of the opaque passes, so only pixels nothing else covered pay for it.
        uniform(self._programs["background"], "u_inv_view_proj").write(
            _gl(np.linalg.inv(view_proj).astype(np.float32))
        )
        self.ctx.depth_func = "<="
        self.ctx.disable(moderngl.CULL_FACE)
        self._background_vao.render(moderngl.TRIANGLES)
        self.ctx.enable(moderngl.CULL_FACE)
        self.ctx.depth_func = "<"
        self.times.draw_calls += 1

    def _draw_shadows(self, items: list[_DrawItem]) -> None:
        prog = self._programs["decal"]
        self.ctx.blend_func = moderngl.DST_COLOR, moderngl.ZERO
        self.ctx.disable(moderngl.CULL_FACE)
        uniform(prog, "u_strength").value = 0.8
        for item in items:
            item.product.shadow.use(_SHADOW_UNIT)
            uniform(prog, "u_model").write(_gl(item.node.transform))
            uniform(prog, "u_half_size").value = item.product.shadow_half_size
            self._decal_vao.render(moderngl.TRIANGLES)
            self.times.draw_calls += 1
        self.ctx.enable(moderngl.CULL_FACE)

    def _draw_holo(self, scene: FrameScene, include: Callable[[float], bool]) -> None:
        prog = self._programs["holo"]
        uniform(prog, "u_ring_color").value = self.layout.plinth.ring_color
        self.ctx.blend_func = moderngl.ONE, moderngl.ONE
        self.ctx.disable(moderngl.CULL_FACE)
        lift = np.identity(4, np.float32)
        lift[1, 3] = self.layout.plinth.height
        for plinth in scene.plinths:
            if plinth.focus < 0.02 or not include(plinth.focus):
                continue
            uniform(prog, "u_model").write(_gl(plinth.transform @ lift))
            uniform(prog, "u_focus").value = plinth.focus
            self._holo_vao.render(moderngl.TRIANGLES)
            self.times.draw_calls += 1
        self.ctx.enable(moderngl.CULL_FACE)

    def _draw_figure(self, figure: FigureNode, t: float) -> None:
        """The assistant moves every frame, so like the cursor it is drawn after the still layer."""
        if self._figure is None:
            self._figure = FigureRenderer(self.ctx)
        self.times.draw_calls += self._figure.draw(figure, self._fbo, self.layout.plinth.ring_color, t)
        self.times.triangles += self._figure.triangle_count

    def _draw_cursor(self, at: tuple[float, float], t: float) -> None:
        """The hand cursor over everything, after the still layer: it never dirties the cache."""
        width, height = self._size
        self._fbo.use()
        prog = self._programs["cursor"]
        # Picture y runs down; clip y runs down too here, as frames are rendered upside down.
        uniform(prog, "u_centre").value = (at[0] * 2.0 - 1.0, at[1] * 2.0 - 1.0)
        half = CURSOR_RADIUS * 2.0  # of the picture's height, in clip units
        uniform(prog, "u_half_size").value = (half * height / width, half)
        uniform(prog, "u_color").value = self.layout.plinth.ring_color
        uniform(prog, "u_time").value = t
        ctx = self.ctx
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        self._cursor_vao.render(moderngl.TRIANGLES)
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        self.times.draw_calls += 1

    def release(self) -> None:
        for product_id in list(self._products):
            self.remove_product(product_id)
        if self._figure is not None:
            with self.ctx:
                self._figure.release()
            self._figure = None
        self.ctx.release()
