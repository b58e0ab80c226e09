"""Connects a viewer's RTCP feedback to the shared encoder.

aiortc acts on picture-loss requests and bitrate estimates only inside its own encoders, which
never run here: the track hands over packets already encoded. So each sender's RTCP handler is
wrapped to pass those two messages on to the viewer's track.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiortc import RTCRtpSender
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    AnyRtcpPacket,
    RtcpPsfbPacket,
    unpack_remb_fci,
)

from render_node.fanout import ViewerTrack

__all__ = ["route_feedback"]


def route_feedback(sender: RTCRtpSender, track: ViewerTrack) -> None:
    original: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet

    async def handle(packet: AnyRtcpPacket) -> None:
        await original(packet)
        if not isinstance(packet, RtcpPsfbPacket):
            return
        if packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            track.request_keyframe()
        elif packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, _ = unpack_remb_fci(packet.fci)
            except ValueError:
                return
            track.estimated_bitrate = bitrate

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]
