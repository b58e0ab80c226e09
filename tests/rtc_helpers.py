"""In-memory WebRTC helpers: offers from a real aiortc peer, and a viewer that receives frames."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

Pixels = npt.NDArray[np.uint8]


async def make_offer(
    *, video: str | None = "recvonly", channel: bool = True
) -> tuple[RTCPeerConnection, str]:
    """A real offer SDP from aiortc; the caller closes the peer connection."""
    pc = RTCPeerConnection()
    if video is not None:
        pc.addTransceiver("video", direction=video)
    if channel:
        pc.createDataChannel("input")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, pc.localDescription.sdp


def offer_sdp(**kwargs: Any) -> str:
    async def run() -> str:
        pc, sdp = await make_offer(**kwargs)
        await pc.close()
        return sdp

    return asyncio.run(run())


@dataclass
class Viewer:
    """A thin client in Python: receives and decodes video, keeps every state message."""

    pc: RTCPeerConnection
    channel: RTCDataChannel
    frames: list[tuple[float, Pixels]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)
    decoded: int = 0
    answer: dict[str, Any] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    keep_every: int = 1
    pixel_format: str = "rgb24"  # "gray" keeps only luma: cheaper where colour does not matter

    async def receive(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                self.decoded += 1
                if self.decoded % self.keep_every == 0 and isinstance(frame, av.VideoFrame):
                    pixels: Pixels = np.asarray(frame.to_ndarray(format=self.pixel_format), dtype=np.uint8)
                    self.frames.append((time.perf_counter(), pixels))
        except MediaStreamError:
            return

    async def wait_frames(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.frames) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"got {len(self.frames)} of {count} frames in {timeout} s")
            await asyncio.sleep(0.02)

    async def wait_state(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for state in self.states:
                if predicate(state):
                    return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching state message; got {self.states}")
            await asyncio.sleep(0.02)

    def send(self, message: dict[str, Any] | str) -> None:
        self.channel.send(message if isinstance(message, str) else json.dumps(message))

    async def close(self) -> None:
        await self.pc.close()


async def connect_viewer(
    post_offer: Any, *, keep_every: int = 1, pixel_format: str = "rgb24", **body: Any
) -> Viewer:
    """Connect through `post_offer(body) -> (status, json)` (any HTTP client, sync or async)."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    channel = pc.createDataChannel("input")
    viewer = Viewer(pc, channel, keep_every=keep_every, pixel_format=pixel_format)

    @channel.on("message")
    def on_message(message: str) -> None:
        viewer.states.append(json.loads(message))

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        viewer._task = asyncio.ensure_future(viewer.receive(track))

    await pc.setLocalDescription(await pc.createOffer())
    result = post_offer({"sdp": pc.localDescription.sdp, "type": "offer", **body})
    status, answer = await result if asyncio.iscoroutine(result) else result
    if status != 200:
        await pc.close()
        raise RuntimeError(f"offer refused: {status} {answer}")
    viewer.answer = answer
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    return viewer
