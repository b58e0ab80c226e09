"""Hands one encoder's packets to every viewer of a session, without re-encoding.

aiortc sends an `av.Packet` that a track's `recv()` returns as it is (it only splits it into
RTP packets), so each viewer gets a track of its own over the same packets. A viewer that
falls behind loses its queued packets and waits for the next keyframe (which it asks for)
rather than slowing the others or decoding garbage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

__all__ = ["ViewerTrack"]


class ViewerTrack(MediaStreamTrack):
    kind = "video"

    def __init__(
        self,
        codec: str,
        request_keyframe: Callable[[], None],
        *,
        max_queue: int = 3,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.codec = codec
        self._request_keyframe = request_keyframe
        self._on_sent = on_sent
        self._queue: asyncio.Queue[av.Packet[Any] | None] = asyncio.Queue(maxsize=max_queue)
        self._waiting_for_keyframe = True  # a decoder can only start from one
        self.packets_sent = 0
        self.packets_dropped = 0
        self.estimated_bitrate: int | None = None  # the receiver's estimate (REMB), if it sends one

    def push(self, packet: av.Packet[Any]) -> None:
        """Queue a packet for this viewer; never blocks the session."""
        if self.readyState != "live":
            return
        if self._waiting_for_keyframe:
            if not packet.is_keyframe:
                self.packets_dropped += 1
                return
            self._waiting_for_keyframe = False
        if self._queue.full():
            # Behind by a whole queue: drop what is queued and resume from a fresh keyframe.
            self.packets_dropped += self._queue.qsize()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._waiting_for_keyframe = not packet.is_keyframe
            if self._waiting_for_keyframe:
                self.packets_dropped += 1
                self._request_keyframe()
                return
        self._queue.put_nowait(packet)

    def request_keyframe(self) -> None:
        """The receiver lost a picture (PLI/FIR): ask the shared encoder for a fresh keyframe."""
        self._request_keyframe()

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        self.packets_sent += 1
        if self._on_sent is not None:
            self._on_sent()
        return packet

    def stop(self) -> None:
        super().stop()
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)
