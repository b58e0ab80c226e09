"""glTF 2.0 (.gltf / .glb) to `Model`: world-space triangles, PBR materials and decoded textures.

Bytes, URIs and accessor ranges are `gltf_container`'s job, typed JSON access `gltf_json`'s and
texture/image decoding `gltf_images`'; this module walks the scene, bakes transforms (so the
renderer never needs a node graph), reads materials and assembles the Model. Any failure
surfaces as AssetError naming the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assets.errors import AssetError
from assets.gltf_container import Accessors, Buffers, Document, read_document
from assets.gltf_images import MAX_IMAGE_SIDE, Textures, decode_images
from assets.gltf_json import (
    GltfProblem,
    JsonObject,
    as_int,
    as_object,
    child_list,
    child_object,
    element,
    get_bool,
    get_float,
    get_floats,
    get_int,
    get_str,
    opt_int,
)
from assets.model import AlphaMode, Material, Model, Primitive

__all__ = [
    "HONOURED_EXTENSIONS",
    "MAX_IMAGE_SIDE",
    "MAX_TOTAL_TRIANGLES",
    "MAX_TOTAL_VERTICES",
    "load_gltf",
    "smooth_normals",
]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]

# Whole-model budgets after instancing (a mesh used by many nodes is copied each time), so a
# small file cannot multiply a legal accessor into gigabytes of baked geometry.
MAX_TOTAL_VERTICES = 20_000_000
MAX_TOTAL_TRIANGLES = 40_000_000
HONOURED_EXTENSIONS = (
    "KHR_materials_variants",
    "KHR_texture_transform",
    "KHR_materials_emissive_strength",
    "KHR_materials_transmission",
    "KHR_mesh_quantization",  # integer attribute types, which the accessor reader handles anyway
)
# Only refine the look: even when "required", the metallic-roughness base still shows the product.
_DEGRADABLE_EXTENSIONS = frozenset(
    {
        "KHR_lights_punctual",
        "KHR_materials_anisotropy",
        "KHR_materials_clearcoat",
        "KHR_materials_dispersion",
        "KHR_materials_ior",
        "KHR_materials_iridescence",
        "KHR_materials_sheen",
        "KHR_materials_specular",
        "KHR_materials_volume",
        "KHR_xmp_json_ld",
    }
)
_ALPHA_MODES: dict[str, AlphaMode] = {"OPAQUE": "OPAQUE", "MASK": "MASK", "BLEND": "BLEND"}
_TRIANGLES, _STRIP, _FAN = 4, 5, 6
_NO_MATERIAL = -1


def load_gltf(path: Path, *, max_texture_size: int = 2048) -> Model:
    """Load a .gltf or .glb; raises AssetError (never anything else) for a file that cannot be used."""
    if max_texture_size < 1:
        raise ValueError(f"max_texture_size must be >= 1, not {max_texture_size}")
    path = Path(path)
    try:
        return _load(path, max_texture_size)
    except GltfProblem as exc:
        raise AssetError(path, str(exc)) from None
    except MemoryError:
        raise AssetError(path, "out of memory while loading: the model is too large") from None
    except Exception as exc:  # a loader bug or library surprise must still not take the process down
        raise AssetError(path, f"unexpected {type(exc).__name__} while loading: {exc}") from exc


def _load(path: Path, max_texture_size: int) -> Model:
    doc = read_document(path)
    honoured, ignored = _classify_extensions(doc.json)
    variants = _variant_names(doc.json)
    textures = Textures(doc.json)
    materials = [_material(m, i, textures) for i, m in enumerate(child_list(doc.json, "materials", "glTF"))]
    buffers = Buffers(doc)
    geometry = _Geometry(doc, Accessors(doc, buffers), len(materials), len(variants))
    for mesh, world in _mesh_instances(doc.json):
        geometry.add_mesh(mesh, world)
    primitives = geometry.primitives
    if any(p.material == _NO_MATERIAL for p in primitives):
        primitives = [_with_default(p, len(materials)) for p in primitives]
        materials.append(Material())
    return Model(
        name=path.stem,
        source=str(path),
        primitives=tuple(primitives),
        materials=tuple(materials),
        images=decode_images(buffers, doc.json, textures.slots, max_texture_size),
        variants=variants,
        mesh_names=tuple(geometry.mesh_names),
        extensions_honoured=honoured,
        extensions_ignored=ignored,
    )


def _with_default(primitive: Primitive, default: int) -> Primitive:
    if primitive.material != _NO_MATERIAL:
        return primitive
    return dataclasses.replace(primitive, material=default)


def _classify_extensions(doc: JsonObject) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Refuse files whose required extensions change what the data means; sort the rest."""
    required = [str(v) for v in child_list(doc, "extensionsRequired", "glTF")]
    for name in required:
        if name not in HONOURED_EXTENSIONS and name not in _DEGRADABLE_EXTENSIONS:
            raise GltfProblem(f"requires unsupported extension {name}")
    used = [str(v) for v in child_list(doc, "extensionsUsed", "glTF")] + required
    honoured = tuple(dict.fromkeys(n for n in used if n in HONOURED_EXTENSIONS))
    ignored = tuple(dict.fromkeys(n for n in used if n not in HONOURED_EXTENSIONS))
    return honoured, ignored


def _variant_names(doc: JsonObject) -> tuple[str, ...]:
    ext = child_object(child_object(doc, "extensions", "glTF"), "KHR_materials_variants", "extensions")
    names = []
    for i, value in enumerate(child_list(ext, "variants", "KHR_materials_variants")):
        names.append(get_str(as_object(value, f"variants[{i}]"), "name", f"variants[{i}]", f"variant_{i}"))
    return tuple(names)


# --- materials --------------------------------------------------------------------------------


def _material(value: object, index: int, textures: Textures) -> Material:
    what = f"materials[{index}]"
    spec = as_object(value, what)
    pbr = child_object(spec, "pbrMetallicRoughness", what)
    extensions = child_object(spec, "extensions", what)
    normal, occlusion = spec.get("normalTexture"), spec.get("occlusionTexture")
    base = get_floats(pbr, "baseColorFactor", what, (1.0, 1.0, 1.0, 1.0))
    emissive = get_floats(spec, "emissiveFactor", what, (0.0, 0.0, 0.0))
    alpha = get_str(spec, "alphaMode", what, "OPAQUE")
    if alpha not in _ALPHA_MODES:
        raise GltfProblem(f"{what}.alphaMode {alpha!r} is not OPAQUE, MASK or BLEND")
    strength = child_object(extensions, "KHR_materials_emissive_strength", what)
    transmission = child_object(extensions, "KHR_materials_transmission", what)
    return Material(
        name=get_str(spec, "name", what, f"material_{index}"),
        base_color_factor=(base[0], base[1], base[2], base[3]),
        base_color_texture=textures.ref(pbr.get("baseColorTexture"), f"{what} baseColorTexture"),
        metallic_factor=get_float(pbr, "metallicFactor", what, 1.0),
        roughness_factor=get_float(pbr, "roughnessFactor", what, 1.0),
        metallic_roughness_texture=textures.ref(
            pbr.get("metallicRoughnessTexture"), f"{what} metallicRoughnessTexture"
        ),
        normal_texture=textures.ref(normal, f"{what} normalTexture"),
        normal_scale=_info_float(normal, "scale", what, 1.0),
        occlusion_texture=textures.ref(occlusion, f"{what} occlusionTexture"),
        occlusion_strength=_info_float(occlusion, "strength", what, 1.0),
        emissive_factor=(emissive[0], emissive[1], emissive[2]),
        emissive_texture=textures.ref(spec.get("emissiveTexture"), f"{what} emissiveTexture"),
        emissive_strength=get_float(strength, "emissiveStrength", what, 1.0),
        alpha_mode=_ALPHA_MODES[alpha],
        alpha_cutoff=get_float(spec, "alphaCutoff", what, 0.5),
        double_sided=get_bool(spec, "doubleSided", what, False),
        transmission=get_float(transmission, "transmissionFactor", what, 0.0),
    )


def _info_float(info: object, key: str, what: str, default: float) -> float:
    return default if info is None else get_float(as_object(info, what), key, what, default)


# --- scene graph ------------------------------------------------------------------------------


def _mesh_instances(doc: JsonObject) -> list[tuple[int, F64]]:
    """(mesh index, world matrix) for every mesh node reachable from the scene, depth first."""
    nodes = child_list(doc, "nodes", "glTF")
    if not nodes and not child_list(doc, "scenes", "glTF"):  # bare meshes: show them untransformed
        return [(i, np.eye(4)) for i in range(len(child_list(doc, "meshes", "glTF")))]
    stack = [(root, np.eye(4)) for root in reversed(_scene_roots(doc, len(nodes)))]
    seen: set[int] = set()
    found: list[tuple[int, F64]] = []
    while stack:
        index, parent = stack.pop()
        if index in seen:
            raise GltfProblem(f"nodes[{index}] is reached twice: the node hierarchy is not a tree")
        seen.add(index)
        what = f"nodes[{index}]"
        node = element(doc, "nodes", index, "scene")
        world = parent @ _local_matrix(node, what)
        mesh = opt_int(node, "mesh", what)
        if mesh is not None:
            found.append((mesh, world))
        children = child_list(node, "children", what)
        stack.extend((as_int(c, f"{what}.children"), world) for c in reversed(children))
    return found


def _scene_roots(doc: JsonObject, node_count: int) -> list[int]:
    scenes = child_list(doc, "scenes", "glTF")
    chosen = opt_int(doc, "scene", "glTF")
    if chosen is None and not scenes:
        children = {
            as_int(c, "children")
            for i in range(node_count)
            for c in child_list(element(doc, "nodes", i, "glTF"), "children", f"nodes[{i}]")
        }
        return [i for i in range(node_count) if i not in children]
    scene = element(doc, "scenes", 0 if chosen is None else chosen, "glTF.scene")
    return [as_int(n, "scene.nodes") for n in child_list(scene, "nodes", "scene")]


def _local_matrix(node: JsonObject, what: str) -> F64:
    if node.get("matrix") is not None:
        values = get_floats(node, "matrix", what, (0.0,) * 16)
        return np.array(values, np.float64).reshape(4, 4).T  # glTF stores column-major
    tx, ty, tz = get_floats(node, "translation", what, (0.0, 0.0, 0.0))
    x, y, z, w = get_floats(node, "rotation", what, (0.0, 0.0, 0.0, 1.0))
    sx, sy, sz = get_floats(node, "scale", what, (1.0, 1.0, 1.0))
    norm = float(np.sqrt(x * x + y * y + z * z + w * w))
    x, y, z, w = (x / norm, y / norm, z / norm, w / norm) if norm > 0 else (0.0, 0.0, 0.0, 1.0)
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * np.array([sx, sy, sz])
    matrix[:3, 3] = (tx, ty, tz)
    return matrix


# --- geometry ---------------------------------------------------------------------------------


class _Geometry:
    """Collects world-space primitives mesh instance by mesh instance, under a total size budget."""

    def __init__(self, doc: Document, accessors: Accessors, n_materials: int, n_variants: int) -> None:
        self._doc = doc.json
        self._accessors = accessors
        self._n_materials = n_materials
        self._n_variants = n_variants
        self._vertices = 0
        self._triangles = 0
        self.primitives: list[Primitive] = []
        self.mesh_names: list[str] = []

    def add_mesh(self, index: int, world: F64) -> None:
        mesh = element(self._doc, "meshes", index, "node")
        name = get_str(mesh, "name", f"meshes[{index}]", "") or f"mesh_{index}"
        if name not in self.mesh_names:
            self.mesh_names.append(name)
        if not np.isfinite(world).all():
            raise GltfProblem(f"meshes[{index}] ({name!r}) has a non-finite node transform")
        for p, value in enumerate(child_list(mesh, "primitives", f"meshes[{index}]")):
            what = f"meshes[{index}].primitives[{p}]"
            primitive = self._primitive(as_object(value, what), what, world)
            if primitive is not None:
                self.primitives.append(primitive)

    def _primitive(self, spec: JsonObject, what: str, world: F64) -> Primitive | None:
        mode = get_int(spec, "mode", what, _TRIANGLES)
        if mode not in (_TRIANGLES, _STRIP, _FAN):
            if mode > _FAN:
                raise GltfProblem(f"{what}.mode {mode} is not a glTF primitive mode")
            return None  # points and lines have no surface to show
        attributes = child_object(spec, "attributes", what)
        position_index = opt_int(attributes, "POSITION", what)
        linear = world[:3, :3]
        det = float(np.linalg.det(linear))
        if position_index is None or abs(det) < 1e-30:  # nothing to place, or a node scaled to zero
            return None
        positions = self._accessors.floats(position_index, f"{what} POSITION", (3,))
        count = len(positions)
        triangles = _triangulate(self._index_list(spec, what, count), mode)
        self._charge(count, len(triangles))
        if len(triangles) == 0:
            return None
        if det < 0:  # a mirroring transform turns front faces into back faces
            triangles = np.ascontiguousarray(triangles[:, [0, 2, 1]])
        world_positions = (positions @ linear.T + world[:3, 3]).astype(np.float32)
        if not np.isfinite(world_positions).all():
            raise GltfProblem(f"{what} positions overflow float32 once the node transform is applied")
        normals = self._optional(attributes, "NORMAL", what, count, (3,))
        tangents = self._optional(attributes, "TANGENT", what, count, (4,))
        colors = self._optional(attributes, "COLOR_0", what, count, (3, 4))
        return Primitive(
            positions=world_positions,
            normals=_world_normals(normals, linear, world_positions, triangles),
            indices=triangles,
            material=self._material_index(spec, what),
            texcoords=(
                self._optional(attributes, "TEXCOORD_0", what, count, (2,)),
                self._optional(attributes, "TEXCOORD_1", what, count, (2,)),
            ),
            tangents=None if tangents is None else _world_tangents(tangents, linear, det),
            colors=None if colors is None else _rgba(colors),
            variant_materials=self._variant_materials(spec, what),
        )

    def _charge(self, vertices: int, triangles: int) -> None:
        self._vertices += vertices
        self._triangles += triangles
        if self._vertices > MAX_TOTAL_VERTICES or self._triangles > MAX_TOTAL_TRIANGLES:
            raise GltfProblem(
                f"model too large: over {MAX_TOTAL_VERTICES} vertices or {MAX_TOTAL_TRIANGLES} "
                "triangles after instancing"
            )

    def _index_list(self, spec: JsonObject, what: str, count: int) -> U32:
        index = opt_int(spec, "indices", what)
        if index is None:
            return np.arange(count, dtype=np.uint32)
        indices = self._accessors.indices(index, f"{what} indices")
        if len(indices) and int(indices.max()) >= count:
            raise GltfProblem(f"{what} index {int(indices.max())} is out of range for {count} vertices")
        return indices

    def _optional(
        self, attributes: JsonObject, key: str, what: str, count: int, widths: tuple[int, ...]
    ) -> F32 | None:
        index = opt_int(attributes, key, what)
        if index is None:
            return None
        values = self._accessors.floats(index, f"{what} {key}", widths)
        if len(values) != count:
            raise GltfProblem(f"{what} {key} has {len(values)} values but POSITION has {count}")
        return values

    def _material_index(self, spec: JsonObject, what: str) -> int:
        index = opt_int(spec, "material", what)
        if index is None:
            return _NO_MATERIAL
        if index >= self._n_materials:
            raise GltfProblem(f"{what} refers to materials[{index}], but the file has {self._n_materials}")
        return index

    def _variant_materials(self, spec: JsonObject, what: str) -> dict[int, int]:
        ext = child_object(child_object(spec, "extensions", what), "KHR_materials_variants", what)
        mapping: dict[int, int] = {}
        for i, value in enumerate(child_list(ext, "mappings", what)):
            entry = as_object(value, f"{what} mappings[{i}]")
            material = get_int(entry, "material", f"{what} mappings[{i}]")
            if material >= self._n_materials:
                raise GltfProblem(f"{what} variant mapping refers to missing materials[{material}]")
            for variant in child_list(entry, "variants", f"{what} mappings[{i}]"):
                number = as_int(variant, f"{what} mappings[{i}].variants")
                if number >= self._n_variants:
                    raise GltfProblem(f"{what} maps variant {number}, but the file has {self._n_variants}")
                mapping[number] = material
        return mapping


def _triangulate(indices: U32, mode: int) -> U32:
    """(M, 3) triangle list from a list, strip or fan, using the spec's winding for each."""
    if mode == _TRIANGLES:
        usable = len(indices) - len(indices) % 3
        return np.ascontiguousarray(indices[:usable].reshape(-1, 3))
    n = len(indices) - 2
    if n <= 0:
        return np.zeros((0, 3), np.uint32)
    i = np.arange(n)
    if mode == _STRIP:
        odd = i % 2
        corners = (indices[i], indices[i + 1 + odd], indices[i + 2 - odd])
    else:
        corners = (indices[i + 1], indices[i + 2], np.full(n, indices[0], np.uint32))
    return np.stack(corners, axis=1).astype(np.uint32)


def _world_normals(normals: F32 | None, linear: F64, positions: F32, triangles: U32) -> F32:
    """Inverse-transpose transform and renormalise; missing or zero normals come from the surface."""
    if normals is None:
        return smooth_normals(positions, triangles)
    transformed: F64 = normals.astype(np.float64) @ np.linalg.inv(linear)  # == (inv.T @ n.T).T
    unit, bad = _normalize(transformed)
    if bad.any():
        unit[bad] = smooth_normals(positions, triangles)[bad]
    return unit


def _world_tangents(tangents: F32, linear: F64, det: float) -> F32:
    direction, bad = _normalize(tangents[:, :3].astype(np.float64) @ linear.T)
    direction[bad] = (1.0, 0.0, 0.0)
    sign = np.where(tangents[:, 3] < 0, -1.0, 1.0) * (1.0 if det > 0 else -1.0)
    return np.concatenate([direction, sign[:, None].astype(np.float32)], axis=1)


def _rgba(colors: F32) -> F32:
    if colors.shape[1] == 4:
        return colors
    return np.concatenate([colors, np.ones((len(colors), 1), np.float32)], axis=1)


def smooth_normals(positions: F32, triangles: U32) -> F32:
    """Area-weighted vertex normals (unreferenced or degenerate vertices get +Z)."""
    p = positions.astype(np.float64)
    faces = np.cross(p[triangles[:, 1]] - p[triangles[:, 0]], p[triangles[:, 2]] - p[triangles[:, 0]])
    summed = np.zeros_like(p)
    for corner in range(3):
        for axis in range(3):
            summed[:, axis] += np.bincount(triangles[:, corner], weights=faces[:, axis], minlength=len(p))
    unit, bad = _normalize(summed)
    unit[bad] = (0.0, 0.0, 1.0)
    return unit


def _normalize(vectors: F64) -> tuple[F32, npt.NDArray[np.bool_]]:
    length = np.linalg.norm(vectors, axis=1)
    bad = ~(length > 1e-20)
    safe = np.where(bad, 1.0, length)
    return (vectors / safe[:, None]).astype(np.float32), bad
