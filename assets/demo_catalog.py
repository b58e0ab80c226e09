"""A built-in catalog of procedurally modelled products, so the showroom works with no asset files.

Each product is one small builder: real-world metres, Y up, +Z toward the shopper, standing on the
floor and centred on x = z = 0 (ModelBuilder.build re-centres, so builders can model where it is
convenient). Everything is seeded, hence identical arrays in every process.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import trimesh

from assets.demo_parts import (
    Mesh,
    ModelBuilder,
    box,
    fabric_material,
    from_trimesh,
    glaze_material,
    glaze_texture,
    grid_mesh,
    lathe,
    merge,
    pbr,
    profile_v,
    rotate,
    rounded_box,
    scale,
    smooth_curve,
    translate,
    tube,
    wood_material,
)
from assets.model import Material, Model
from assets.product import Product, slugify

__all__ = ["demo_products"]

F64 = npt.NDArray[np.float64]

FABRIC_UV = 20.0  # UV units per metre: one 16-thread weave tile every 5 cm, threads about 3 mm
WOOD_UV = 2.5  # one grain tile per 40 cm


@functools.cache
def demo_products() -> tuple[Product, ...]:
    """The demo catalog, built once per process (a fraction of a second)."""
    return tuple(
        _product(name, category, price, text, build)
        for name, category, price, text, build in (
            ("Oslo Lounge Chair", "Furniture", 64900,
             "A low oak-framed lounge chair with a deep upholstered seat and a gently reclined back.",
             _chair),
            ("Haven Three-Seat Sofa", "Furniture", 189000,
             "A generous three-seater with feather-soft cushions on slim walnut legs.", _sofa),
            ("Fjord Dining Table", "Furniture", 129000,
             "A solid oak dining table that seats six, with softly eased edges.", _table),
            ("Luma Floor Lamp", "Lighting", 28900,
             "A slender floor lamp whose linen drum shade spreads a warm, glare-free glow.", _lamp),
            ("Dune Ceramic Vase", "Decor", 7900,
             "A hand-thrown stoneware vase in a speckled reactive glaze, on a felt pad that spares tables.",
             _vase),
            ("Alpine Insulated Bottle", "Kitchen", 3490,
             "A double-walled steel bottle with a bamboo cap that keeps drinks cold for a full day.",
             _bottle),
            ("Kaffe Stoneware Mug", "Kitchen", 1800,
             "A speckled stoneware mug with a comfortable handle, sized for a proper flat white.", _mug),
            ("Aria Wireless Headphones", "Audio", 34900,
             "Over-ear wireless headphones with memory-foam cushions and a brushed aluminium frame.",
             _headphones),
            ("Bloc Portable Speaker", "Audio", 14900,
             "A rugged fabric-wrapped speaker with 360-degree sound and twelve hours of battery.",
             _speaker),
            ("Stride Runner Sneaker", "Footwear", 12900,
             "A lightweight knit running shoe on a cushioned foam sole.", _sneaker),
        )
    )  # fmt: skip


def _product(name: str, category: str, price: int, text: str, build: Callable[[str], Model]) -> Product:
    pid = slugify(name)
    return Product(pid, name, category, price, "EUR", text, build(pid))


# ------------------------------------------------------------------------------------- shared shapes


def _leg(length: float, r_top: float, r_bottom: float, sections: int = 20) -> Mesh:
    """A turned, tapered leg standing on the origin, with a small chamfer at the foot."""
    chamfer = min(0.003, r_bottom * 0.3)
    return lathe(
        [(0, 0), (r_bottom - chamfer, 0), (r_bottom, chamfer), (r_top, length), (0, length)],
        sections,
        v_scale=WOOD_UV,
    )


def _cylinder(radius: float, height: float, sections: int = 32, bevel: float = 0.0) -> Mesh:
    """Flat-capped cylinder from y = 0 up, optionally with softened rims."""
    b = min(bevel, radius / 2, height / 2)
    profile = [(0, 0), (radius - b, 0), (radius, b), (radius, height - b), (radius - b, height), (0, height)]
    return lathe(profile, sections, v_scale=1.0)


def _splayed(mesh: Mesh, x: float, y: float, z: float, degrees: float) -> Mesh:
    """Place a leg modelled from its foot up so its top sits at (x, y, z) and its foot kicks outward."""
    outward = np.array([x, 0.0, z])
    axis = np.cross([0.0, -1.0, 0.0], outward / max(float(np.linalg.norm(outward)), 1e-9))
    return mesh.transformed(rotate(degrees, axis, (x, y, z)) @ translate(x, 0, z))


# --------------------------------------------------------------------------------------- furniture


def _chair(pid: str) -> Model:
    b = ModelBuilder(pid, ("Sand", "Forest", "Rust"))
    oak = wood_material(b, "oak", "#d9b98f", "#a47a4f", seed=11)
    upholstery = [
        fabric_material(b, "sand boucle", "#d8ccb8"),
        fabric_material(b, "forest wool", "#3f5a45"),
        fabric_material(b, "rust wool", "#b0593a"),
    ]
    hx, hz, rail_y = 0.30, 0.27, 0.30
    legs = [
        _splayed(_leg(rail_y, 0.021, 0.014), sx * hx, rail_y, sz * hz, 5.0)
        for sx in (-1, 1)
        for sz in (-1, 1)
    ]
    rails = [box((2 * hx, 0.06, 0.035), uv_scale=WOOD_UV).moved(0, rail_y, sz * hz) for sz in (-1, 1)] + [
        box((0.035, 0.06, 2 * hz), uv_scale=WOOD_UV).moved(sx * hx, rail_y, 0) for sx in (-1, 1)
    ]
    recline = rotate(-12.0, (1, 0, 0), (0, rail_y, -hz))
    posts = [
        rounded_box((0.035, 0.52, 0.035), 0.008, band=2, inner=1, uv_scale=WOOD_UV)
        .moved(sx * hx, rail_y + 0.26, -hz)
        .transformed(recline)
        for sx in (-1, 1)
    ]
    armrest = rounded_box((0.055, 0.026, 0.62), 0.01, band=2, inner=1, uv_scale=WOOD_UV)
    arm_post = box((0.032, 0.28, 0.032), uv_scale=WOOD_UV)
    arms = [armrest.moved(sx * hx, 0.613, -0.02) for sx in (-1, 1)]
    arms += [arm_post.moved(sx * hx, 0.46, 0.21) for sx in (-1, 1)]
    b.part("frame", legs + rails + posts + arms, oak)
    seat = rounded_box((0.54, 0.11, 0.60), 0.04, bulge=0.012, inner=4, uv_scale=FABRIC_UV)
    b.part("seat cushion", seat.moved(0, rail_y + 0.085, 0.01), *upholstery)
    back = rounded_box((0.54, 0.40, 0.10), 0.04, bulge=0.015, inner=4, uv_scale=FABRIC_UV)
    b.part("back cushion", back.moved(0, 0.66, -hz + 0.07).transformed(recline), *upholstery)
    return b.build()


def _sofa(pid: str) -> Model:
    b = ModelBuilder(pid, ("Oatmeal", "Slate", "Ochre Velvet"))
    cover = [
        fabric_material(b, "oatmeal linen", "#d6cbb8"),
        fabric_material(b, "slate linen", "#6c7780"),
        fabric_material(b, "ochre velvet", "#c08a2e", roughness=0.72),
    ]
    walnut = wood_material(b, "walnut", "#8a5a3b", "#4a2c1c", seed=23, roughness=0.55)
    b.part(
        "legs",
        [_leg(0.10, 0.022, 0.015).moved(sx * 0.92, 0, sz * 0.36) for sx in (-1, 1) for sz in (-1, 1)],
        walnut,
    )
    frame = [
        rounded_box((1.72, 0.20, 0.86), 0.03, uv_scale=FABRIC_UV).moved(0, 0.20, 0),
        rounded_box((1.72, 0.46, 0.20), 0.05, uv_scale=FABRIC_UV).moved(0, 0.53, -0.33),
    ] + [rounded_box((0.20, 0.56, 0.90), 0.07, uv_scale=FABRIC_UV).moved(s * 0.95, 0.38, 0) for s in (-1, 1)]
    b.part("frame", frame, *cover)
    xs = (-0.572, 0.0, 0.572)
    seats = [rounded_box((0.565, 0.15, 0.64), 0.05, bulge=0.015, inner=4, uv_scale=FABRIC_UV) for _ in xs]
    b.part("seat cushions", [m.moved(x, 0.375, 0.10) for m, x in zip(seats, xs, strict=True)], *cover)
    lean = [rotate(-9.0, (1, 0, 0), (x, 0.45, -0.23)) for x in xs]
    backs = [rounded_box((0.565, 0.42, 0.17), 0.07, bulge=0.02, inner=4, uv_scale=FABRIC_UV) for _ in xs]
    b.part(
        "back cushions",
        [m.moved(x, 0.66, -0.145).transformed(t) for m, x, t in zip(backs, xs, lean, strict=True)],
        *cover,
    )
    return b.build()


def _table(pid: str) -> Model:
    b = ModelBuilder(pid, ("Natural Oak", "Smoked Oak"))
    woods = [
        wood_material(b, "natural oak", "#dcc19a", "#a9825a", seed=31),
        wood_material(b, "smoked oak", "#8c6a4c", "#4d3423", seed=31, roughness=0.55),
    ]
    top = rounded_box((1.80, 0.035, 0.90), 0.006, band=3, inner=3, uv_scale=WOOD_UV)
    b.part("top", top.moved(0, 0.7575, 0), *woods)
    lx, lz = 0.80, 0.36
    leg = rounded_box((0.055, 0.74, 0.055), 0.004, band=1, inner=1, uv_scale=WOOD_UV)
    legs = [leg.moved(sx * lx, 0.37, sz * lz) for sx in (-1, 1) for sz in (-1, 1)]
    aprons = [box((2 * lx, 0.08, 0.022), uv_scale=WOOD_UV).moved(0, 0.70, sz * lz) for sz in (-1, 1)] + [
        box((0.022, 0.08, 2 * lz), uv_scale=WOOD_UV).moved(sx * lx, 0.70, 0) for sx in (-1, 1)
    ]
    b.part("legs and aprons", legs + aprons, *woods)
    return b.build()


# ----------------------------------------------------------------------------------------- lighting


def _lamp(pid: str) -> Model:
    b = ModelBuilder(pid, ("Brass", "Matte Black"))
    metal = [
        pbr("brushed brass", "#d9b76e", metallic=1.0, roughness=0.3),
        pbr("matte black", "#1e1e20", roughness=0.55),
    ]
    base = lathe(
        [(0, 0), (0.150, 0), (0.160, 0.006), (0.160, 0.016), (0.150, 0.026), (0.02, 0.028), (0, 0.028)], 64
    )
    stem = _cylinder(0.0095, 1.30, 20).moved(0, 0.026, 0)
    socket = _cylinder(0.019, 0.06, 24, bevel=0.003).moved(0, 1.31, 0)
    ring = lathe(_circle(0.166, 1.515, 0.003), 64)
    spokes = [
        tube([(0, 1.365, 0), (0.166 * math.cos(a), 1.515, 0.166 * math.sin(a))], 0.0025, sections=8)
        for a in (math.pi / 2, math.pi / 2 + 2 * math.pi / 3, math.pi / 2 + 4 * math.pi / 3)
    ]
    b.part("metal", [base, stem, socket, ring, *spokes], *metal)
    bulb = Material(
        name="warm bulb",
        base_color_factor=(1.0, 0.95, 0.85, 1.0),
        metallic_factor=0.0,
        roughness_factor=0.15,
        emissive_factor=(1.0, 0.78, 0.5),
        emissive_strength=4.0,
    )
    globe = from_trimesh(trimesh.creation.icosphere(subdivisions=3, radius=0.042))
    b.part("bulb", globe.moved(0, 1.41, 0), bulb)
    shade = lathe(
        [(0.230, 1.22), (0.170, 1.52), (0.167, 1.52), (0.227, 1.22), (0.230, 1.22)],
        72,
        u_repeat=round(2 * math.pi * 0.2 * FABRIC_UV),
        v_scale=FABRIC_UV,
    )
    b.part("shade", shade, fabric_material(b, "ivory linen", "#efe6d2"))
    return b.build()


def _circle(r: float, y: float, radius: float, samples: int = 12) -> F64:
    """A closed (r, y) loop for lathing rings and tori."""
    a = np.linspace(0, 2 * np.pi, samples + 1)
    return np.stack([r + radius * np.cos(a), y + radius * np.sin(a)], 1)


# -------------------------------------------------------------------------------------- decor, kitchen


def _thrown(outer: F64, wall: float, floor: float) -> F64:
    """A thrown pot's closed (r, y) profile: the outer curve, a rounded rim, the inner wall offset by
    `wall`, and an inner floor at height `floor`."""
    d = np.gradient(outer, axis=0)
    n = np.stack([d[:, 1], -d[:, 0]], 1)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    inner = outer - wall * n
    inner = inner[inner[:, 1] > floor + wall][::-1]
    centre = (outer[-1] + inner[0]) / 2
    start = math.atan2(*(outer[-1] - centre)[::-1])
    arc = np.linspace(start, start + math.pi, 9)[1:-1]
    rim = centre + wall / 2 * np.stack([np.cos(arc), np.sin(arc)], 1)
    bottom = [(inner[-1, 0] * 0.92, floor + wall * 0.3), (inner[-1, 0] * 0.8, floor), (0.0, floor)]
    return np.vstack([[(0.0, 0.0)], outer, rim, inner, bottom])


def _glaze_bands(outer: F64, profile: F64, foot_height: float) -> tuple[float, float]:
    """Where, in the lathe's 0..1 v, the bare foot ends and the rim is (outer is profile[1:])."""
    v = profile_v(profile)[1 : len(outer) + 1]
    return float(np.interp(foot_height, outer[:, 1], v)), float(v[-1])


def _vase(pid: str) -> Model:
    b = ModelBuilder(pid, ("Sand", "Sage"))
    outer = smooth_curve(
        [(0.050, 0.0), (0.056, 0.004), (0.066, 0.03), (0.086, 0.08), (0.091, 0.12), (0.080, 0.18),
         (0.052, 0.235), (0.037, 0.270), (0.038, 0.300), (0.047, 0.322)],
        4,
    )  # fmt: skip
    profile = _thrown(outer, 0.005, 0.012)
    bands = _glaze_bands(outer, profile, 0.008)
    glazes = [
        glaze_material(b, "sand glaze", glaze_texture("#a97a59", "#b98d68", "#ece4d4", bands, seed=41)),
        glaze_material(b, "sage glaze", glaze_texture("#a97a59", "#6f8068", "#c9d3bf", bands, seed=43)),
    ]
    b.part("body", lathe(profile, 56, crease_deg=30).moved(0, 0.002, 0), *glazes)
    pad = lathe([(0, 0), (0.044, 0), (0.045, 0.001), (0.045, 0.002), (0, 0.002)], 48)
    b.part("felt pad", pad, pbr("grey felt", "#6d6a66", roughness=1.0))
    return b.build()


def _mug(pid: str) -> Model:
    b = ModelBuilder(pid)
    outer = smooth_curve([(0.036, 0.0), (0.039, 0.003), (0.041, 0.02), (0.0415, 0.06), (0.0425, 0.095)], 6)
    profile = _thrown(outer, 0.0045, 0.008)
    bands = _glaze_bands(outer, profile, 0.006)
    pixels = glaze_texture("#b07d5a", "#4f6f7a", "#e9e3d6", bands, seed=53)
    glaze = glaze_material(b, "speckled glaze", pixels)
    b.part("cup", lathe(profile, 48, crease_deg=30), glaze)
    path = smooth_curve([(0.036, 0.080), (0.060, 0.078), (0.070, 0.056), (0.062, 0.030), (0.038, 0.020)], 8)
    handle = tube(np.column_stack([path, np.zeros(len(path))]), (0.0065, 0.0045), sections=14)
    # the handle is dipped with the cup, so sample the glaze band just below the rim
    band_uv = handle.uvs * np.array([1, 0.3], np.float32) + np.array([0, bands[1] - 0.08], np.float32)
    handle = replace(handle, uvs=band_uv)
    b.part("handle", handle, glaze)
    return b.build()


def _bottle(pid: str) -> Model:
    b = ModelBuilder(pid, ("Steel", "Sage", "Midnight"))
    finish = [
        pbr("brushed steel", "#c8cacc", metallic=1.0, roughness=0.3),
        pbr("sage powder coat", "#8fa38a", roughness=0.5),
        pbr("midnight powder coat", "#25304a", roughness=0.5),
    ]
    shoulder = smooth_curve([(0.0365, 0.19), (0.034, 0.208), (0.027, 0.222), (0.0255, 0.232)], 6)
    body = lathe(
        [(0, 0), (0.030, 0), (0.0345, 0.0015), (0.0365, 0.006), *shoulder, (0.0255, 0.240), (0, 0.240)],
        64,
        crease_deg=50,
    )
    b.part("body", body, *finish)
    cap = lathe(
        [(0, 0.234), (0.0285, 0.234), (0.029, 0.238), (0.029, 0.266), (0.027, 0.272), (0.021, 0.275),
         (0, 0.275)],
        48,
        v_scale=WOOD_UV,
        crease_deg=35,
    )  # fmt: skip
    b.part("cap", cap, wood_material(b, "bamboo", "#d9bb8a", "#b08a57", seed=61, roughness=0.5))
    loop = [(0.013 * math.cos(a), 0.270 + 0.016 * math.sin(a), 0.0) for a in np.linspace(0, math.pi, 17)]
    b.part("carry loop", tube(loop, 0.0035, sections=12), pbr("black silicone", "#1b1b1c", roughness=0.8))
    return b.build()


# --------------------------------------------------------------------------------------------- audio


def _headphones(pid: str) -> Model:
    b = ModelBuilder(pid, ("Onyx", "Silver", "Sand"))
    shell = [
        pbr("onyx shell", "#2a2a2d", roughness=0.45),
        pbr("silver shell", "#d7d7d3", roughness=0.4),
        pbr("sand shell", "#cdb89b", roughness=0.45),
    ]
    metal = [
        pbr("gunmetal", "#5b5d61", metallic=1.0, roughness=0.35),
        pbr("brushed aluminium", "#d2d4d6", metallic=1.0, roughness=0.3),
        pbr("champagne aluminium", "#d8c6a6", metallic=1.0, roughness=0.3),
    ]
    leather = [
        pbr("black protein leather", "#1f1f21", roughness=0.6),
        pbr("grey protein leather", "#8f8d8a", roughness=0.6),
        pbr("taupe protein leather", "#9b8670", roughness=0.6),
    ]
    cup = lathe(
        [(0, 0), (0.044, 0), (0.0465, 0.004), (0.047, 0.018), (0.042, 0.030), (0.028, 0.036), (0, 0.038)], 48
    )
    cushion = lathe(_circle(0.034, -0.006, 0.011, 16), 48)
    cloth = lathe([(0, -0.004), (0.026, -0.004), (0.026, 0.0), (0, 0.0)], 32, v_scale=FABRIC_UV)
    cy, cx = 0.058, 0.075  # cup centre height, inner face of each cup

    def mount(mesh: Mesh, side: int) -> Mesh:  # cup axis (+Y) to +/-X, cup oval taller than wide
        place = translate(side * cx, cy, 0) @ rotate(-90 * side, (0, 0, 1)) @ scale(1.18, 1, 1)
        return mesh.transformed(place)

    sides = (-1, 1)
    b.part("ear cups", [mount(cup, s) for s in sides], *shell)
    b.part("cushions", [mount(cushion, s) for s in sides], *leather)
    b.part("speaker cloth", [mount(cloth, s) for s in sides], fabric_material(b, "speaker mesh", "#2b2b2b"))
    arc_x, arc_y = cx + 0.019, 0.142
    arc = [(arc_x * math.cos(a), arc_y + 0.10 * math.sin(a), 0.0) for a in np.linspace(0, math.pi, 41)]
    band = tube(arc, (0.015, 0.004), sections=16)
    pad_arc = [
        (0.9 * arc_x * math.cos(a), arc_y + 0.091 * math.sin(a), 0.0)
        for a in np.linspace(math.radians(35), math.radians(145), 25)
    ]
    b.part("headband", band, *shell)
    b.part("headband pad", tube(pad_arc, (0.012, 0.005), sections=16), *leather)
    yokes = [
        tube([(s * arc_x, arc_y + 0.004, 0), (s * arc_x, cy + 0.058, 0)], 0.0045, sections=12) for s in sides
    ]
    hinges = [
        from_trimesh(trimesh.creation.icosphere(subdivisions=2, radius=0.008)).moved(s * arc_x, cy + 0.058, 0)
        for s in sides
    ]
    b.part("sliders", yokes + hinges, *metal)
    return b.build()


def _speaker(pid: str) -> Model:
    b = ModelBuilder(pid, ("Graphite", "Sky"))
    grille = [
        fabric_material(b, "graphite knit", "#3a3d42", roughness=0.85),
        fabric_material(b, "sky knit", "#8fb2cf", roughness=0.85),
    ]
    rubber = [
        pbr("charcoal rubber", "#222326", roughness=0.8),
        pbr("navy rubber", "#25344c", roughness=0.8),
    ]
    r, h = 0.041, 0.17
    body = lathe(
        [(0, 0.02), (r, 0.02), (r, h - 0.02), (0, h - 0.02)],
        64,
        u_repeat=round(2 * math.pi * r * FABRIC_UV),
        v_scale=FABRIC_UV,
    )
    b.part("grille", body, *grille)
    cap = lathe(
        [(0, 0), (r - 0.006, 0), (r + 0.0015, 0.005), (r + 0.0015, 0.022), (0.0, 0.022)], 64, crease_deg=50
    )
    top = cap.transformed(translate(0, h, 0) @ scale(1, -1, 1))
    b.part("end caps", [cap, top], *rubber)
    buttons = [_cylinder(0.006, 0.003, 16, bevel=0.001).moved(x, h, 0) for x in (-0.016, 0.0, 0.016)]
    b.part("buttons", buttons, pbr("soft grey rubber", "#9a9ca0", roughness=0.7))
    return b.build()


# ------------------------------------------------------------------------------------------ footwear

_SHOE_LEN, _SOLE_TOP, _AROUND = 0.285, 0.030, 97


def _footprint(theta: F64) -> tuple[F64, F64]:
    """Outline of a right shoe's sole: narrow heel, wide forefoot, toe toward +X."""
    x = _SHOE_LEN / 2 * np.cos(theta)
    s = np.cos(theta)
    half = np.interp(s, [-1, -0.6, -0.1, 0.35, 0.7, 1], [0.036, 0.038, 0.037, 0.050, 0.049, 0.045])
    half = half + np.where(np.sin(theta) > 0, -0.004 * np.exp(-(((s + 0.05) / 0.25) ** 2)), 0.0)  # arch
    return x, half * np.sin(theta)


def _toe_spring(x: F64) -> F64:
    return 0.018 * np.clip((x / (_SHOE_LEN / 2) - 0.55) / 0.45, 0, 1) ** 2


def _sole() -> tuple[Mesh, Mesh]:
    """The foam sole lofted around the footprint (bevelled side wall, flat bottom) and its top,
    which shows through the collar as the insole."""
    theta = np.linspace(0, 2 * np.pi, _AROUND)
    fx, fz = _footprint(theta)
    lift = _toe_spring(fx)
    heel = 1 + 0.006 * np.clip(-fx / (_SHOE_LEN / 2), 0, 1) / _SOLE_TOP  # a thicker heel, as on a runner
    # (inset toward the centre, height) from the top edge down the side wall to the bottom edge
    wall = [(0.985, _SOLE_TOP), (1.0, 0.024), (1.0, 0.008), (0.995, 0.003), (0.97, 0.0)]
    side = grid_mesh(
        np.stack([np.stack([fx * k, lift + h * heel, fz * k], -1) for k, h in wall]),
        np.stack(np.meshgrid(theta / (2 * np.pi), [h for _, h in wall]), -1),
    )

    def cap(k: float, height: F64, up: bool) -> Mesh:
        rings = [np.stack([fx * k * r, height, fz * k * r], -1) for r in (0.0, 0.5, 1.0)]
        pts = np.stack(rings if up else rings[::-1])
        return grid_mesh(pts, pts[..., [0, 2]] * FABRIC_UV)

    return merge([side, cap(0.97, lift, up=False)]), cap(0.985, lift + _SOLE_TOP * heel, up=True)


def _upper_points(theta: F64, t: F64) -> F64:
    """The upper as quarter-ellipse sweeps (rows t) from the sole's edge to a top line that closes
    into a ridge over the toe and heel and opens into the collar between them."""
    fx, fz = _footprint(theta)
    s = fx / (_SHOE_LEN / 2)
    base_y = _toe_spring(fx) + _SOLE_TOP + 0.006 * np.clip(-s, 0, 1)
    # heel counter, the collar's dip, the tongue, then down the laces to the toe
    height = np.interp(
        s,
        [-1, -0.82, -0.45, -0.14, 0.2, 0.55, 0.85, 1],
        [0.068, 0.078, 0.056, 0.084, 0.066, 0.045, 0.030, 0.022],
    )
    pull = np.interp(s, [-1, 0, 1], [0.97, 1.0, 0.86])  # rounds the toe in side view
    opening = np.sqrt(np.clip(1 - ((s + 0.47) / 0.34) ** 2, 0, 1)) * 0.03  # collar half-width
    top_x, top_y, top_z = fx * pull, base_y + height, np.sign(fz) * opening
    c, sn = np.cos(t * np.pi / 2)[:, None], np.sin(t * np.pi / 2)[:, None]
    x = top_x + (fx * 0.975 - top_x) * c
    y = base_y + (top_y - base_y) * sn
    z = top_z + (fz * 0.975 - top_z) * c
    return np.stack([x, y, z], -1)


def _sneaker(pid: str) -> Model:
    b = ModelBuilder(pid, ("Chalk", "Midnight", "Volt"))
    knit = [
        fabric_material(b, "chalk knit", "#ece9e2", roughness=0.85),
        fabric_material(b, "midnight knit", "#1f2940", roughness=0.85),
        fabric_material(b, "volt knit", "#c9e43a", roughness=0.85),
    ]
    white_foam = pbr("white foam", "#f2f1ec", roughness=0.8)
    foam = [white_foam, white_foam, pbr("black foam", "#232325", roughness=0.8)]
    trim = [
        pbr("stone trim", "#b9b4aa", roughness=0.6),
        pbr("white trim", "#f4f4f2", roughness=0.6),
        pbr("black trim", "#1c1c1e", roughness=0.6),
    ]
    sole, insole = _sole()
    b.part("sole", sole, *foam)
    b.part("insole", insole, pbr("grey insole", "#5d5f63", roughness=0.9))
    theta = np.linspace(2 * np.pi, 0, _AROUND)  # clockwise from above, so the sheet faces outward
    t = np.linspace(0, 1, 15)
    pts = _upper_points(theta, t)
    perimeter = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(pts[0], axis=0), axis=1))])
    uv = np.stack(np.meshgrid(perimeter, t * 0.09), -1) * FABRIC_UV
    upper = grid_mesh(pts, uv)
    b.part("upper", upper, *knit)
    # shrunk rather than offset along the normals: the collar's edge curls too tightly to offset
    centre = pts.reshape(-1, 3).mean(axis=0)
    shrink = translate(*centre) @ scale(0.985, 0.98, 0.93) @ translate(*-centre)
    b.part("lining", upper.transformed(shrink).flipped(), pbr("dark lining", "#2b2c30", roughness=0.9))
    heel = np.flatnonzero(np.cos(theta) < -0.7)  # a contiguous run of columns round the back
    counter = grid_mesh(pts[:11, heel[0] : heel[-1] + 1], uv[:11, heel[0] : heel[-1] + 1]).inflated(0.0012)
    b.part("collar, laces and heel", [_collar(pts[-1]), *_laces(), counter], *trim)
    return b.build()


def _collar(top_line: F64) -> Mesh:
    """A padded roll around the opening: the part of the upper's top line where the halves part."""
    loop = top_line[np.abs(top_line[:, 2]) > 1e-4]
    return tube(loop, (0.007, 0.005), sections=12, closed=True, up=(0, 1, 0))


def _laces() -> list[Mesh]:
    """Flat lace bars across the instep, lying just proud of the knit."""
    bars = []
    for s in (-0.04, 0.06, 0.16, 0.26, 0.36):
        th = math.acos(s)
        t = np.linspace(0.72, 1.0, 6)
        near = _upper_points(np.array([th]), t)[:, 0]
        far = _upper_points(np.array([2 * np.pi - th]), t[::-1])[:, 0]
        path = np.vstack([near, far[1:]])
        centre = np.array([s * _SHOE_LEN / 2, float(path[:, 1].min()) - 0.02, 0.0])
        out = path - centre
        path = path + 0.004 * out / np.linalg.norm(out, axis=1, keepdims=True)
        bars.append(tube(path, (0.004, 0.0018), sections=8, up=(1, 0, 0)))
    return bars
