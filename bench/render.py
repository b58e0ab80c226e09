"""Benchmark: render + readback of the full showroom (demo catalog) at three sizes.

Prints frames per second and each stage's time (scene update, draw, readback) per size, and
the ratio to the issue's targets, twice: "browsing" moves the focus every second, so the camera
is always travelling and every frame is drawn in full; "resting" keeps the camera on one product
(its turntable turning), where the renderer redraws only what moves over a cached still layer.
Run with `make bench` or `python bench/render.py --help`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.catalog import build_catalog  # noqa: E402
from render_node.gl_context import create_context, describe_context  # noqa: E402
from render_node.renderer import Renderer  # noqa: E402
from render_node.showroom_content import fit_products, load_products, showroom_for  # noqa: E402
from scenes.actions import Action, FocusNext  # noqa: E402
from scenes.layout import default_layout  # noqa: E402

SIZES = {"640x360": 60.0, "1280x720": 30.0, "1920x1080": None}


def run(
    size: tuple[int, int], frames: int, models: Path | None, msaa: int | None, *, browse_every: int = 60
) -> dict[str, float]:
    """Mean figures over `frames`; the focus moves every `browse_every` frames (0: the camera rests)."""
    layout = default_layout()
    products = fit_products(build_catalog(models).products, layout)
    renderer = Renderer(create_context(), layout, size, msaa=msaa)
    load_products(renderer, products)
    showroom = showroom_for(products, layout)
    dt = 1 / 60
    update_ms, draw_ms, read_ms, total_ms = [], [], [], []
    warmup = 10 if browse_every else 150  # resting: let the camera arrive first
    for i in range(frames + warmup):
        # Browse along the plinths as a visitor would: a new product every second.
        actions: list[Action] = [FocusNext()] if browse_every and i % browse_every == browse_every - 1 else []
        t0 = time.perf_counter()
        showroom.update(dt, actions)
        scene = showroom.frame()
        t1 = time.perf_counter()
        renderer.render(scene)
        t2 = time.perf_counter()
        if i >= warmup:  # shader compiles, first texture uses, the camera's first move
            update_ms.append((t1 - t0) * 1000)
            draw_ms.append(renderer.times.draw_ms)
            read_ms.append(renderer.times.readback_ms)
            total_ms.append((t2 - t0) * 1000)
    renderer.release()
    mean = statistics.fmean(total_ms)
    return {
        "fps": 1000 / mean,
        "p95_ms": sorted(total_ms)[math.ceil(0.95 * len(total_ms)) - 1],
        "update_ms": statistics.fmean(update_ms),
        "draw_ms": statistics.fmean(draw_ms),
        "readback_ms": statistics.fmean(read_ms),
        "products": float(len(products)),
        "triangles": float(sum(p.model.triangle_count for p in products)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=180, help="frames measured per size (default 180)")
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), help="sizes to measure, WIDTHxHEIGHT")
    parser.add_argument("--models", type=Path, help="also load every glTF model in this folder")
    parser.add_argument("--msaa", type=int, help="MSAA samples (default: 4 on a GPU, 0 on llvmpipe)")
    args = parser.parse_args()
    print(f"renderer: {describe_context(create_context())}")
    print(
        f"{'size':>10} {'camera':>8} {'fps':>7} {'target':>7} {'ratio':>6} {'p95 ms':>7} "
        f"{'update':>7} {'draw':>7} {'readback':>8}"
    )
    for text in args.sizes:
        w, h = (int(v) for v in text.split("x"))
        for camera, every in (("browsing", 60), ("resting", 0)):
            r = run((w, h), args.frames, args.models, args.msaa, browse_every=every)
            target = SIZES.get(text)
            ratio = f"{r['fps'] / target:.2f}" if target else "-"
            print(
                f"{text:>10} {camera:>8} {r['fps']:7.1f} {target or '-':>7} {ratio:>6} {r['p95_ms']:7.1f} "
                f"{r['update_ms']:7.2f} {r['draw_ms']:7.2f} {r['readback_ms']:8.2f}",
                flush=True,
            )
    print(
        f"scene: {int(r['products'])} products, {int(r['triangles'])} triangles in the catalog; "
        "times in ms per frame"
    )


if __name__ == "__main__":
    main()
