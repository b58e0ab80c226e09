"""A viewer's RTCP picture-loss requests and bitrate estimates reach the shared encoder."""

from __future__ import annotations

import asyncio

from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    AnyRtcpPacket,
    RtcpPsfbPacket,
    RtcpRrPacket,
    pack_remb_fci,
)

from render_node.fanout import ViewerTrack
from render_node.rtp_feedback import route_feedback


class RecordingSender:
    """Stands in for aiortc's RTCRtpSender: only its RTCP handler is wrapped."""

    def __init__(self) -> None:
        self.handled: list[AnyRtcpPacket] = []

    async def _handle_rtcp_packet(self, packet: AnyRtcpPacket) -> None:
        self.handled.append(packet)


def feed(packets: list[AnyRtcpPacket]) -> tuple[RecordingSender, ViewerTrack, list[int]]:
    requests: list[int] = []
    sender = RecordingSender()

    async def run() -> ViewerTrack:
        track = ViewerTrack("h264", lambda: requests.append(1))
        route_feedback(sender, track)  # type: ignore[arg-type]
        for packet in packets:
            await sender._handle_rtcp_packet(packet)
        return track

    track = asyncio.run(run())
    return sender, track, requests


def test_picture_loss_and_full_intra_requests_ask_for_a_keyframe() -> None:
    pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=2)
    fir = RtcpPsfbPacket(fmt=RTCP_PSFB_FIR, ssrc=1, media_ssrc=2)
    sender, _, requests = feed([pli, fir])
    assert len(requests) == 2
    assert sender.handled == [pli, fir], "aiortc's own handling still runs first"


def test_receiver_estimate_is_kept_on_the_track() -> None:
    remb = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=pack_remb_fci(2_500_000, [2]))
    _, track, requests = feed([remb])
    assert track.estimated_bitrate is not None
    assert abs(track.estimated_bitrate - 2_500_000) / 2_500_000 < 0.01
    assert requests == []


def test_other_and_malformed_feedback_changes_nothing() -> None:
    junk_app = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=b"not remb")
    receiver_report = RtcpRrPacket(ssrc=1)
    sender, track, requests = feed([junk_app, receiver_report])
    assert track.estimated_bitrate is None and requests == []
    assert len(sender.handled) == 2
