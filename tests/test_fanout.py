"""ViewerTrack: the same packets to every viewer; a newcomer or a laggard starts again at a keyframe."""

from __future__ import annotations

import asyncio
from typing import Any

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from render_node.encoder import EncoderSettings, VideoEncoder
from render_node.fanout import ViewerTrack


def packet(name: str, *, key: bool = False) -> av.Packet[Any]:
    p = av.Packet(name.encode())
    p.is_keyframe = key
    return p


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


async def recv(track: ViewerTrack) -> av.Packet[Any]:
    return await asyncio.wait_for(track.recv(), 5.0)  # a guard against hanging, not a timing check


async def drain(track: ViewerTrack, count: int) -> list[av.Packet[Any]]:
    return [await recv(track) for _ in range(count)]


def names(packets: list[av.Packet[Any]]) -> list[str]:
    return [bytes(p).decode() for p in packets]


def test_fake_packets_carry_the_keyframe_flag() -> None:
    assert packet("k", key=True).is_keyframe
    assert not packet("p").is_keyframe


def test_two_tracks_receive_the_very_same_packets_in_order() -> None:
    async def run() -> None:
        a, b = ViewerTrack("h264", Counter()), ViewerTrack("h264", Counter())
        assert a.kind == b.kind == "video"
        stream = [packet("k0", key=True), packet("p1"), packet("p2"), packet("k3", key=True), packet("p4")]
        got_a: list[av.Packet[Any]] = []
        got_b: list[av.Packet[Any]] = []
        for p in stream:
            a.push(p)
            b.push(p)
            got_a.append(await recv(a))
            got_b.append(await recv(b))
        assert all(x is y is z for x, y, z in zip(got_a, got_b, stream, strict=True))
        assert (a.packets_sent, a.packets_dropped) == (5, 0)

    asyncio.run(run())


def test_queued_packets_come_out_in_push_order() -> None:
    async def run() -> None:
        track = ViewerTrack("vp8", Counter(), max_queue=3)
        stream = [packet("k0", key=True), packet("p1"), packet("p2")]
        for p in stream:
            track.push(p)
        got = await drain(track, 3)
        assert all(x is y for x, y in zip(got, stream, strict=True))

    asyncio.run(run())


def test_new_track_drops_delta_packets_until_its_first_keyframe() -> None:
    async def run() -> None:
        request = Counter()
        track = ViewerTrack("h264", request)
        for p in [packet("p0"), packet("p1"), packet("k2", key=True), packet("p3")]:
            track.push(p)
        assert names(await drain(track, 2)) == ["k2", "p3"]
        assert track.packets_dropped == 2
        assert request.calls == 0  # the session asks for a keyframe when a viewer joins

    asyncio.run(run())


def test_slow_track_drops_its_queue_asks_for_a_keyframe_and_resumes_there() -> None:
    async def run() -> None:
        fast_request, slow_request = Counter(), Counter()
        fast = ViewerTrack("h264", fast_request, max_queue=3)
        slow = ViewerTrack("h264", slow_request, max_queue=3)
        stream = [packet("k0", key=True)] + [packet(f"p{i}") for i in range(1, 7)]
        stream += [packet("k7", key=True), packet("p8")]
        fast_got = []
        for p in stream:
            fast.push(p)
            slow.push(p)  # nobody reads the slow one until the end
            fast_got.append(await recv(fast))
        assert all(x is y for x, y in zip(fast_got, stream, strict=True))
        assert (fast.packets_dropped, fast_request.calls) == (0, 0)
        # k0 p1 p2 filled the queue; p3 overflowed it: all four gone, one keyframe asked for;
        # p4..p6 were dropped while waiting without asking again; k7 restarted the stream.
        assert slow_request.calls == 1
        assert slow.packets_dropped == 3 + 1 + 3
        got = await drain(slow, 2)
        assert got[0] is stream[7] and got[1] is stream[8]

    asyncio.run(run())


def test_overflow_on_a_keyframe_restarts_from_it_without_asking() -> None:
    async def run() -> None:
        request = Counter()
        track = ViewerTrack("vp8", request, max_queue=2)
        for p in [packet("k0", key=True), packet("p1"), packet("k2", key=True), packet("p3")]:
            track.push(p)
        assert names(await drain(track, 2)) == ["k2", "p3"]
        assert (track.packets_dropped, request.calls) == (2, 0)

    asyncio.run(run())


def test_request_keyframe_from_the_receiver_reaches_the_encoder() -> None:
    async def run() -> None:
        request = Counter()
        track = ViewerTrack("h264", request)
        track.request_keyframe()
        track.request_keyframe()
        assert request.calls == 2

    asyncio.run(run())


def test_on_sent_is_called_once_per_recv() -> None:
    async def run() -> None:
        sent = Counter()
        track = ViewerTrack("h264", Counter(), on_sent=sent)
        track.push(packet("k0", key=True))
        track.push(packet("p1"))
        assert sent.calls == 0  # pushing is not sending
        await recv(track)
        assert sent.calls == 1
        await recv(track)
        assert (sent.calls, track.packets_sent) == (2, 2)

    asyncio.run(run())


def test_recv_waits_for_a_push() -> None:
    async def run() -> None:
        track = ViewerTrack("h264", Counter())
        waiting = asyncio.ensure_future(recv(track))
        await asyncio.sleep(0)
        assert not waiting.done()
        key = packet("k0", key=True)
        track.push(key)
        assert await waiting is key

    asyncio.run(run())


def test_after_stop_recv_raises_and_push_is_ignored() -> None:
    async def run() -> None:
        track = ViewerTrack("h264", Counter(), max_queue=2)
        track.push(packet("k0", key=True))
        track.push(packet("p1"))  # a full queue must not make stop() fail
        track.stop()
        assert track.readyState == "ended"
        track.push(packet("k2", key=True))
        assert track.packets_dropped == 0
        with pytest.raises(MediaStreamError):
            await recv(track)
        with pytest.raises(MediaStreamError):
            await recv(track)
        assert track.packets_sent == 0

    asyncio.run(run())


def test_stop_wakes_a_waiting_recv_with_media_stream_error() -> None:
    async def run() -> None:
        sent = Counter()
        track = ViewerTrack("h264", Counter(), on_sent=sent)
        waiting = asyncio.ensure_future(recv(track))
        await asyncio.sleep(0)
        track.stop()
        with pytest.raises(MediaStreamError):
            await waiting
        assert sent.calls == 0

    asyncio.run(run())


def test_stop_twice_is_harmless() -> None:
    async def run() -> None:
        track = ViewerTrack("h264", Counter(), max_queue=1)
        track.push(packet("k0", key=True))
        track.stop()
        track.stop()
        with pytest.raises(MediaStreamError):
            await recv(track)

    asyncio.run(run())


def test_real_encoder_packets_flow_through_with_keyframe_flags() -> None:
    """Packets straight from the session encoder (64x64 VP8) keep their flags and identity."""
    encoder = VideoEncoder(EncoderSettings("vp8", 64, 64, 30))
    encoded = []
    for i in range(4):
        frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 40 * i, np.uint8), format="rgb24")
        frame.pts = i * 3000
        encoded.extend(encoder.encode(frame))
    assert [p.is_keyframe for p in encoded] == [True, False, False, False]

    async def run() -> None:
        late = ViewerTrack("vp8", encoder.request_keyframe)
        for p in encoded[1:]:
            late.push(p)  # joined after the keyframe: nothing to show yet
        assert late.packets_dropped == 3
        early = ViewerTrack("vp8", encoder.request_keyframe, max_queue=len(encoded))
        for p in encoded:
            early.push(p)
        got = await drain(early, 4)
        assert all(x is y for x, y in zip(got, encoded, strict=True))

    asyncio.run(run())
