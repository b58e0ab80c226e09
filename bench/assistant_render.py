"""Benchmark: what the assistant's figure costs the renderer (frames per second with and without it).

The demo catalog's showroom at the given sizes, the camera resting on the first product (its
turntable turning, so the still-layer cache is in use as in a real session) or browsing (a new
focus every second: every frame drawn in full). With the figure, the assistant stands beside the
focused plinth and talks (a synthetic mouth, gestures and glow): the most it ever draws.
Run `python bench/assistant_render.py --help`.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.catalog import build_catalog  # noqa: E402
from avatar.character.animator import Animator  # noqa: E402
from avatar.character.mesh import figure_mesh  # noqa: E402
from avatar.character.placement import spot_beside  # noqa: E402
from avatar.mouth import MouthShape  # noqa: E402
from render_node.gl_context import create_context, describe_context  # noqa: E402
from render_node.renderer import Renderer  # noqa: E402
from render_node.showroom_content import fit_products, load_products, showroom_for  # noqa: E402
from scenes.actions import Action, FocusNext  # noqa: E402
from scenes.graph import FigureNode  # noqa: E402
from scenes.layout import default_layout  # noqa: E402

DT = 1 / 60


def speech(t: float) -> MouthShape:
    """A mouth that moves like speech: syllables about five times a second."""
    return MouthShape(0.5 + 0.5 * math.sin(t * 31.0), 0.3 + 0.3 * math.sin(t * 7.0), 0.2)


def render_fps(with_figure: bool, seconds: float, size: tuple[int, int], *, browse: bool = False) -> float:
    """Frames per second (scene update, figure animation, draw and readback) over `seconds`."""
    layout = default_layout()
    products = fit_products(build_catalog(None).products, layout)
    renderer = Renderer(create_context(), layout, size)
    try:
        load_products(renderer, products)
        showroom = showroom_for(products, layout)
        spot, facing = spot_beside(layout, 0, len(products))
        animator = Animator(spot, facing)
        for _ in range(120):  # let the camera arrive and compile every shader
            showroom.update(DT)
            node = animator.update(DT, speech(showroom.time))
            renderer.render(dataclasses.replace(showroom.frame(), assistant=node if with_figure else None))
        frames, started, i = 0, time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            i += 1
            actions: list[Action] = [FocusNext()] if browse and i % 60 == 0 else []
            showroom.update(DT, actions)
            scene = showroom.frame()
            if with_figure:
                if actions and showroom.focused_index is not None:
                    animator.move_to(*spot_beside(layout, showroom.focused_index, len(products)))
                figure: FigureNode | None = animator.update(DT, speech(showroom.time))
                scene = dataclasses.replace(scene, assistant=figure)
            renderer.render(scene)
            frames += 1
        return frames / (time.perf_counter() - started)
    finally:
        renderer.release()


def figure_cost_ms(size: tuple[int, int], frames: int = 150) -> tuple[float, float]:
    """Median render time (ms) without and with the figure, alternating on one renderer.

    Alternating frame by frame cancels the drift of a shared machine's load, which swings
    the FPS of whole runs by more than the figure costs.
    """
    layout = default_layout()
    products = fit_products(build_catalog(None).products, layout)
    renderer = Renderer(create_context(), layout, size)
    try:
        load_products(renderer, products)
        showroom = showroom_for(products, layout)
        animator = Animator(*spot_beside(layout, 0, len(products)))
        plain, figure = [], []
        for i in range(frames + 30):
            showroom.update(DT)
            scene = showroom.frame()
            node = animator.update(DT, speech(showroom.time))
            t0 = time.perf_counter()
            renderer.render(scene)
            t1 = time.perf_counter()
            renderer.render(dataclasses.replace(scene, assistant=node))
            t2 = time.perf_counter()
            if i >= 30:
                plain.append((t1 - t0) * 1000)
                figure.append((t2 - t1) * 1000)
        return statistics.median(plain), statistics.median(figure)
    finally:
        renderer.release()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds measured per case (default 5)")
    parser.add_argument("--sizes", nargs="*", default=["1280x720", "640x360"], help="sizes, WIDTHxHEIGHT")
    parser.add_argument("--browse", action="store_true", help="also measure with the camera browsing")
    parser.add_argument(
        "--repeats", type=int, default=2, help="alternate runs per case, best kept (shared CPUs are noisy)"
    )
    args = parser.parse_args()
    print(f"renderer: {describe_context(create_context())}")
    print(f"figure: {figure_mesh().triangle_count} triangles, 3 draw calls")
    print(f"{'size':>10} {'camera':>8} {'without':>8} {'with':>8} {'ratio':>6}")
    cameras = [("resting", False), *([("browsing", True)] if args.browse else [])]
    for text in args.sizes:
        w, h = (int(v) for v in text.split("x"))
        for camera, browse in cameras:
            plain, figure = 0.0, 0.0
            for _ in range(max(1, args.repeats)):
                plain = max(plain, render_fps(False, args.seconds, (w, h), browse=browse))
                figure = max(figure, render_fps(True, args.seconds, (w, h), browse=browse))
            print(f"{text:>10} {camera:>8} {plain:8.1f} {figure:8.1f} {figure / plain:6.2f}", flush=True)
    print(f"frames per second (best of {args.repeats}): scene update + figure animation + draw + readback")
    print(f"{'size':>10} {'ms without':>11} {'ms with':>8} {'figure ms':>10}   (median, alternating frames)")
    for text in args.sizes:
        w, h = (int(v) for v in text.split("x"))
        plain_ms, figure_ms = figure_cost_ms((w, h))
        print(f"{text:>10} {plain_ms:11.2f} {figure_ms:8.2f} {figure_ms - plain_ms:10.2f}", flush=True)


if __name__ == "__main__":
    main()
