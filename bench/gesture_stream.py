"""Gestures in a streaming session: camera frame to applied action, and what the analysis costs.

One render node (the real recogniser, MediaPipe + our classifier) and one aiortc viewer in this
process: the viewer receives the showroom and sends the shared gesture video (looped, 640x480) as
its camera. Reported: frame-to-action latency from the node's histogram (p50/p95, bucket upper
bounds; issue 5's target: p95 under 100 ms), per-frame analysis time, frames analysed and dropped,
and the process's CPU over the same time with the camera and without it (the difference is the cost
of receiving, decoding and analysing the camera). Run `python bench/gesture_stream.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VIDEO = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "video"
    / "mps_gesture_recognizer_test_video.mp4"
)


def quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """The upper bound of the bucket holding quantile `q` of a Prometheus histogram (cumulative counts)."""
    total = buckets[-1][1]
    for bound, count in buckets:
        if total and count >= q * total:
            return bound
    return float("inf")


def histogram(registry: Any, name: str) -> list[tuple[float, float]]:
    for family in registry.collect():
        if family.name == name:
            return [(float(s.labels["le"]), s.value) for s in family.samples if s.name == f"{name}_bucket"]
    return []


async def session(seconds: float, camera: bool, width: int, height: int) -> dict[str, Any]:
    import av
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaPlayer
    from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

    from assets.demo_catalog import demo_products
    from assets.environment import studio_environment
    from render_node.gesture_analyzer import RecognizerAnalyzer
    from render_node.ibl import prepare_environment
    from render_node.node import NodeConfig, RenderNode
    from render_node.offers import ViewerOffer
    from render_node.session import StreamSettings
    from render_node.showroom_content import fit_products
    from scenes.layout import default_layout

    class Camera(MediaStreamTrack):
        kind = "video"

        def __init__(self, source: MediaStreamTrack) -> None:
            super().__init__()
            self.source = source

        async def recv(self) -> Any:
            frame = await self.source.recv()
            assert isinstance(frame, av.VideoFrame)
            scaled = frame.reformat(width=width, height=height, format="yuv420p")
            scaled.pts, scaled.time_base = frame.pts, frame.time_base
            return scaled

    layout = default_layout()
    node = RenderNode(
        fit_products(demo_products(), layout),
        layout,
        prepare_environment(studio_environment(128)),
        NodeConfig(stream=StreamSettings(width=640, height=360, fps=30), gesture_analyzer=RecognizerAnalyzer),
    )
    await node.start()
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    player = MediaPlayer(str(VIDEO), loop=True) if camera else None
    if player is not None and player.video is not None:
        pc.addTransceiver(Camera(player.video), "sendonly")
    channel = pc.createDataChannel("input")
    gestures: list[str] = []
    channel.on("message", lambda m: gestures.append(json.loads(m)["name"]) if '"gesture"' in m else None)
    received = 0

    def on_track(track: MediaStreamTrack) -> None:
        async def pump() -> None:
            nonlocal received
            try:
                while True:
                    await track.recv()
                    received += 1
            except MediaStreamError:
                return

        asyncio.ensure_future(pump())

    pc.on("track", on_track)
    try:
        await pc.setLocalDescription(await pc.createOffer())
        answer = await node.offer(ViewerOffer(pc.localDescription.sdp))
        await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        await asyncio.sleep(3.0)  # connected, models loaded
        start_cpu, start_wall, start_frames = time.process_time(), time.perf_counter(), received
        await asyncio.sleep(seconds)
        cpu = (time.process_time() - start_cpu) / (time.perf_counter() - start_wall)
        fps = (received - start_frames) / (time.perf_counter() - start_wall)
        registry = node.metrics.registry
        result = {
            "cpu_cores": cpu,
            "received_fps": fps,
            "gestures": gestures,
            "latency": histogram(registry, "holoshop_gesture_latency_seconds"),
            "analysis": histogram(registry, "holoshop_gesture_analysis_seconds"),
            "frames": {
                r: registry.get_sample_value("holoshop_gesture_frames_total", {"result": r}) or 0
                for r in ("analysed", "busy", "rate", "failed")
            },
        }
    finally:
        if player is not None and player.video is not None:
            player.video.stop()
        await pc.close()
        await node.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per run")
    parser.add_argument("--size", default="640x360", help="the camera's frame size (WxH; the video is 16:9)")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    print("without the camera ...", file=sys.stderr, flush=True)
    bare = asyncio.run(session(args.seconds, False, w, h))
    print("with the camera ...", file=sys.stderr, flush=True)
    live = asyncio.run(session(args.seconds, True, w, h))
    latency, analysis = live["latency"], live["analysis"]
    print(f"\ngestures in a streaming session ({args.seconds:.0f} s each, camera {w}x{h}, looped video):")
    print(f"  gestures told back: {live['gestures']}")
    if latency and latency[-1][1]:
        print(
            f"  camera frame to applied action: {int(latency[-1][1])} actions,"
            f" p50 <= {quantile(latency, 0.5) * 1000:.0f} ms,"
            f" p95 <= {quantile(latency, 0.95) * 1000:.0f} ms (target p95 < 100 ms)"
        )
    if analysis and analysis[-1][1]:
        print(
            f"  analysis per frame: p50 <= {quantile(analysis, 0.5) * 1000:.0f} ms,"
            f" p95 <= {quantile(analysis, 0.95) * 1000:.0f} ms"
        )
    print(f"  camera frames: {live['frames']}")
    print(
        f"  process CPU: {bare['cpu_cores']:.2f} cores without the camera, {live['cpu_cores']:.2f} with it"
        f" (+{live['cpu_cores'] - bare['cpu_cores']:.2f}); showroom received at"
        f" {bare['received_fps']:.1f} and {live['received_fps']:.1f} frames/s"
    )


if __name__ == "__main__":
    main()
