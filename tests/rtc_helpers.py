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

from render_node.node import RenderNode
from render_node.offers import ViewerOffer

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


async def until(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


class AudioViewer:
    """A viewer straight on a render node that keeps its data-channel messages and decodes the
    session's audio (the assistant's voice) to PCM."""

    def __init__(self, audio: bool = True) -> None:
        self.pc = RTCPeerConnection()
        self.pc.addTransceiver("video", direction="recvonly")
        if audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.channel = self.pc.createDataChannel("input")
        self.messages: list[dict[str, Any]] = []
        self.audio: list[tuple[float, np.ndarray[Any, Any]]] = []  # (arrival, mono int16 samples)
        self.tasks: list[asyncio.Future[None]] = []
        self.channel.on("message", lambda m: self.messages.append(json.loads(m)))
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.tasks.append(asyncio.ensure_future(self._pump(track)))

    async def _pump(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, av.AudioFrame):
                    pcm = frame.to_ndarray().reshape(-1, len(frame.layout.channels))[:, 0]
                    self.audio.append((time.monotonic(), pcm.astype(np.int16)))
        except MediaStreamError:
            return

    async def connect(self, node: RenderNode, session_id: str | None = None) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await node.offer(ViewerOffer(self.pc.localDescription.sdp, session_id=session_id))
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        await until(lambda: self.channel.readyState == "open")
        return answer.session_id

    def send(self, message: dict[str, Any] | str) -> None:
        self.channel.send(message if isinstance(message, str) else json.dumps(message))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def rms_after(self, moment: float) -> float:
        chunks = [pcm for at, pcm in self.audio if at > moment]
        if not chunks:
            return 0.0
        samples = np.concatenate(chunks).astype(np.float64)
        return float(np.sqrt(np.mean(samples**2)))

    async def close(self) -> None:
        await self.pc.close()
        for task in self.tasks:
            task.cancel()
