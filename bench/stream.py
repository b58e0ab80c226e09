"""Benchmark: the showroom streamed over WebRTC to aiortc receivers on this machine.

Starts `holoshop serve` in a subprocess (so its CPU can be measured apart from the receivers)
and prints, in one run:
  * frames per second received at 640x360 and 1280x720, H.264 and VP8, next to the renderer's
    render-only rate measured in the same run, and their ratio;
  * input-to-photon latency: key sent until the first decoded frame showing the change;
  * server CPU with 1, 2 and 4 viewers of one session;
  * with --browser: time from opening the page to its first decoded frame in headless Chromium,
    and the page's transfer size (bench/page_load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.render import run as render_only  # noqa: E402
from tests.net import free_port  # noqa: E402
from tests.rtc_helpers import Viewer, connect_viewer  # noqa: E402

TARGETS = {("640x360", "fps"): 55.0, ("1280x720", "fps"): 28.0}


@contextlib.contextmanager
def server(fps: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "HOLOSHOP_FPS": str(fps), "HOLOSHOP_IDLE_TIMEOUT": "5"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "holoshop"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_to(http: httpx.AsyncClient, url: str) -> Any:
    async def post(body: dict[str, Any]) -> tuple[int, Any]:
        r = await http.post(f"{url}/rtc/offer", json=body, timeout=60)
        return r.status_code, r.json()

    return post


async def received_fps(url: str, size: tuple[int, int], codec: str, seconds: float) -> float:
    async with httpx.AsyncClient() as http:
        viewer = await connect_viewer(
            post_to(http, url), keep_every=10_000, width=size[0], height=size[1], codec=codec
        )
        try:
            await wait_decoded(viewer, 10)
            await asyncio.sleep(1.0)
            start, t0 = viewer.decoded, time.perf_counter()
            await asyncio.sleep(seconds)
            return (viewer.decoded - start) / (time.perf_counter() - t0)
        finally:
            with contextlib.suppress(Exception):
                await http.delete(f"{url}/rtc/sessions/{viewer.answer['session_id']}")
            await viewer.close()


async def wait_decoded(viewer: Viewer, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while viewer.decoded < count:
        if time.monotonic() > deadline:
            raise TimeoutError("no frames")
        await asyncio.sleep(0.02)


async def latency(url: str, presses: int) -> list[float]:
    """Seconds from a key press to the first decoded frame in which the picture moved."""
    async with httpx.AsyncClient() as http:
        # Luma alone: the viewer must keep up with 60 frames a second on a shared 2-core machine.
        viewer = await connect_viewer(
            post_to(http, url), pixel_format="gray", width=640, height=360, codec="h264"
        )
        try:
            await viewer.wait_frames(30)
            results = []
            for i in range(presses):
                await asyncio.sleep(1.3)  # let the camera settle: only the turntable moves
                # How much consecutive frames differ while only the turntable turns.
                recent = [f.astype(np.int16) for _, f in viewer.frames[-6:]]
                still = max(_moved(a, b) for a, b in zip(recent, recent[1:], strict=False))
                threshold = max(0.01, 3 * still)
                previous = recent[-1]
                count = len(viewer.frames)
                sent = time.perf_counter()
                viewer.send({"type": "key", "key": "ArrowRight" if i % 2 == 0 else "ArrowLeft"})
                deadline = sent + 2.0
                seen = None
                while seen is None and time.perf_counter() < deadline:
                    for t, frame in viewer.frames[count:]:
                        current = frame.astype(np.int16)
                        if _moved(previous, current) > threshold:  # the camera set off
                            seen = t
                            break
                        previous = current
                    count = len(viewer.frames)
                    await asyncio.sleep(0.002)
                if seen is not None:
                    results.append(seen - sent)
            return results
        finally:
            await viewer.close()


async def cpu_per_viewers(
    url: str, pid: int, counts: tuple[int, ...], seconds: float
) -> list[tuple[int, float, float]]:
    rows = []
    async with httpx.AsyncClient() as http:
        post = post_to(http, url)
        for n in counts:
            first = await connect_viewer(post, keep_every=10_000, width=640, height=360, codec="h264")
            viewers = [first] + [
                await connect_viewer(post, keep_every=10_000, session_id=first.answer["session_id"])
                for _ in range(n - 1)
            ]
            try:
                for v in viewers:
                    await wait_decoded(v, 10)
                await asyncio.sleep(1.0)
                c0, t0, d0 = cpu_seconds(pid), time.perf_counter(), [v.decoded for v in viewers]
                await asyncio.sleep(seconds)
                elapsed = time.perf_counter() - t0
                cores = (cpu_seconds(pid) - c0) / elapsed
                fps = min((v.decoded - d) / elapsed for v, d in zip(viewers, d0, strict=True))
                rows.append((n, cores, fps))
            finally:
                await http.delete(f"{url}/rtc/sessions/{first.answer['session_id']}")
                for v in viewers:
                    await v.close()
            await asyncio.sleep(1.0)
    return rows


def _moved(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Fraction of pixels that changed clearly between two frames (luma or colour)."""
    diff = np.abs(a - b)
    return float(((diff.max(axis=2) if diff.ndim == 3 else diff) > 20).mean())


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring window per figure (default 6)")
    parser.add_argument("--presses", type=int, default=50, help="key presses for the latency figure")
    parser.add_argument("--fps", type=int, default=60, help="the server's target frame rate")
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args()

    with server(args.fps) as (url, pid):
        print(f"server {url} (pid {pid}), target {args.fps} FPS\n")
        print(
            "ratio: received / render-only; 'capped' divides by the render-only rate capped at the\n"
            "frame clock's target, the most the pipeline could deliver\n"
        )
        header = ("size", "codec", "received", "render-only", "ratio", "capped", "target")
        print(" ".join(f"{h:>{w}}" for h, w in zip(header, (9, 5, 9, 12, 6, 7, 7), strict=True)))
        for size in ((640, 360), (1280, 720)):
            label = f"{size[0]}x{size[1]}"
            # The stream's camera rests on one product, so the renderer is measured resting too.
            alone = render_only(size, 120, None, None, browse_every=0)["fps"]
            for codec in ("h264", "vp8"):
                got = asyncio.run(received_fps(url, size, codec, args.seconds))
                target = TARGETS[(label, "fps")]
                capped = got / min(alone, args.fps)
                print(
                    f"{label:>9} {codec:>5} {got:9.1f} {alone:12.1f} "
                    f"{got / alone:6.2f} {capped:7.2f} {target:7.0f}",
                    flush=True,
                )
        print()
        lat = asyncio.run(latency(url, args.presses))
        if lat:
            print(
                f"input-to-photon at 640x360 over {len(lat)} of {args.presses} presses: "
                f"p50 {statistics.median(lat) * 1000:.0f} ms, p95 {pct(lat, 0.95) * 1000:.0f} ms "
                "(targets 60 / 100 ms)"
            )
        else:
            print("input-to-photon: no press produced a visible change")
        print()
        rows = asyncio.run(cpu_per_viewers(url, pid, (1, 2, 4), args.seconds))
        base = rows[0][1]
        for n, cores, fps in rows:
            print(
                f"{n} viewer(s) of one session: server CPU {cores:.2f} cores "
                f"({cores / base:.2f}x one viewer), {fps:.1f} FPS each"
            )
        print("target: 4 viewers under 1.3x the CPU of one")
        if args.browser:
            from bench.page_load import measure

            page = measure(url, runs=10)
            print()
            print(f"page to first frame in Chromium: {page}")


if __name__ == "__main__":
    main()
