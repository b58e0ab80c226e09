"""The session encoder: decodable H.264 (constrained baseline) and VP8, keyframes on demand, held bitrate."""

from __future__ import annotations

import fractions
import math
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

import render_node.encoder as encoder_module
from render_node.encoder import BITRATE_HOLD_SECONDS, TIME_BASE, EncoderSettings, VideoEncoder

W, H = 320, 180
PTS_STEP = 1500  # 1/60 s in the 90 kHz RTP clock
CODECS = ["h264", "vp8"]
Pixels = npt.NDArray[np.uint8]


class FakeTime:
    """Stands in for the encoder module's `time`: monotonic() is what the test says it is."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def monotonic(self) -> float:
        return self.t

    def perf_counter(self) -> float:
        return self.t


def gradient(i: int, width: int = W, height: int = H) -> Pixels:
    """A smooth RGBA picture whose horizontal wave moves a little every frame."""
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    img = np.empty((height, width, 4), np.uint8)
    img[..., 0] = 128 + 90 * np.sin(2 * math.pi * (x + i / 30))
    img[..., 1] = 30 + 190 * y
    img[..., 2] = 40 + 80 * x + 80 * y
    img[..., 3] = 255
    return img


def rgba_frame(i: int, width: int = W, height: int = H) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(gradient(i, width, height), format="rgba")
    frame.pts = i * PTS_STEP
    return frame


def make(codec: str, **kwargs: Any) -> VideoEncoder:
    return VideoEncoder(EncoderSettings(codec, W, H, 30, **kwargs))  # type: ignore[arg-type]


def encode_one(encoder: VideoEncoder, i: int) -> av.Packet[Any]:
    packets = encoder.encode(rgba_frame(i))
    assert len(packets) == 1, "a realtime encoder gives one packet per frame, with no delay"
    return packets[0]


def decoder_for(codec: str) -> av.VideoCodecContext:
    decoder = av.CodecContext.create(codec, "r")
    assert isinstance(decoder, av.VideoCodecContext)
    return decoder


def mean_error(decoded: av.VideoFrame, expected: Pixels) -> float:
    rgb = decoded.to_ndarray(format="rgb24").astype(np.int16)
    return float(np.abs(rgb - expected[..., :3].astype(np.int16)).mean())


def nal_units(data: bytes) -> list[bytes]:
    """Annex B NAL units (each starts with its header byte), split on 00 00 01 start codes."""
    units = []
    for chunk in data.split(b"\x00\x00\x01")[1:]:
        units.append(chunk.rstrip(b"\x00"))  # a 4-byte start code leaves a zero behind
    return units


def sps_of(packet: av.Packet[Any]) -> bytes:
    [sps] = [unit for unit in nal_units(bytes(packet)) if unit[0] & 0x1F == 7]
    return sps


# -- round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", CODECS)
def test_thirty_frames_decode_close_to_their_input(codec: str) -> None:
    encoder = make(codec)
    decoder = decoder_for(codec)
    decoded: list[av.VideoFrame] = []
    for i in range(30):
        for frame in decoder.decode(encode_one(encoder, i)):
            assert isinstance(frame, av.VideoFrame)
            decoded.append(frame)
    for frame in decoder.decode(None):
        assert isinstance(frame, av.VideoFrame)
        decoded.append(frame)
    assert len(decoded) == 30
    for i, frame in enumerate(decoded):
        assert (frame.width, frame.height) == (W, H)
        error = mean_error(frame, gradient(i))
        assert error < 12, f"frame {i}: mean absolute error {error:.1f}/255"
        # It is this frame's picture, not a neighbour's: the wave moved half a period since frame i+15.
        assert error < mean_error(frame, gradient((i + 15) % 30))
    assert (encoder.frames, encoder.keyframes) == (30, 1)
    assert encoder.bytes_out > 0


@pytest.mark.parametrize("codec", CODECS)
def test_packets_carry_the_frame_pts_in_the_90khz_time_base(codec: str) -> None:
    encoder = make(codec)
    for i in range(5):
        packet = encode_one(encoder, i)
        assert packet.pts == i * PTS_STEP
        assert packet.time_base == fractions.Fraction(1, 90_000) == TIME_BASE


@pytest.mark.parametrize("codec", CODECS)
def test_frames_in_other_pixel_formats_are_converted(codec: str) -> None:
    encoder = make(codec)
    frame = av.VideoFrame.from_ndarray(gradient(0)[..., :3].copy(), format="rgb24")
    frame.pts = 0
    [packet] = encoder.encode(frame)
    decoder = decoder_for(codec)
    [decoded] = [f for f in [*decoder.decode(packet), *decoder.decode(None)] if isinstance(f, av.VideoFrame)]
    assert mean_error(decoded, gradient(0)) < 12


# -- keyframes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", CODECS)
def test_first_packet_is_a_keyframe_and_the_rest_are_not(codec: str) -> None:
    encoder = make(codec)
    flags = [encode_one(encoder, i).is_keyframe for i in range(12)]
    assert flags == [True] + [False] * 11


@pytest.mark.parametrize("codec", CODECS)
def test_request_keyframe_makes_only_the_next_packet_a_keyframe(codec: str) -> None:
    encoder = make(codec)
    flags = []
    for i in range(16):
        if i in (5, 11):
            encoder.request_keyframe()
        flags.append(encode_one(encoder, i).is_keyframe)
    assert [i for i, key in enumerate(flags) if key] == [0, 5, 11]
    assert encoder.keyframes == 3


@pytest.mark.parametrize("codec", CODECS)
def test_repeated_requests_before_a_frame_give_one_keyframe(codec: str) -> None:
    encoder = make(codec)
    encode_one(encoder, 0)
    for _ in range(3):
        encoder.request_keyframe()
    assert [encode_one(encoder, i).is_keyframe for i in (1, 2)] == [True, False]


# -- bitstream details ---------------------------------------------------------------------------


def test_h264_is_constrained_baseline_with_sps_in_band() -> None:
    encoder = make("h264")
    sps = sps_of(encode_one(encoder, 0))
    profile_idc, constraints, level_idc = sps[1], sps[2], sps[3]
    assert profile_idc == 66  # baseline
    assert constraints & 0x40, "constraint_set1_flag: constrained baseline, what Safari needs"
    assert level_idc == 31  # 320x180 at 30 fps fits level 3.1
    # Every keyframe repeats the parameter sets, so a viewer can join at any keyframe.
    encode_one(encoder, 1)
    encoder.request_keyframe()
    assert sps_of(encode_one(encoder, 2)) == sps


def test_h264_frames_are_single_slices_of_known_types() -> None:
    encoder = make("h264")
    key = [unit[0] & 0x1F for unit in nal_units(bytes(encode_one(encoder, 0)))]
    delta = [unit[0] & 0x1F for unit in nal_units(bytes(encode_one(encoder, 1)))]
    assert 7 in key and 8 in key and 5 in key  # SPS, PPS, IDR slice
    assert 5 not in delta and 1 in delta  # a non-IDR slice


def test_h264_level_allows_a_1080p_frame_at_24_fps() -> None:
    encoder = VideoEncoder(EncoderSettings("h264", 1920, 1080, 24))
    frame = av.VideoFrame.from_ndarray(np.zeros((1080, 1920, 3), np.uint8), format="rgb24")
    frame.pts = 0
    [packet] = encoder.encode(frame)
    level_idc = sps_of(packet)[3]
    max_frame_macroblocks = {31: 3600, 32: 5120, 40: 8192, 41: 8192, 42: 8704, 50: 22080, 51: 36864}
    assert max_frame_macroblocks[level_idc] >= 120 * 68


def test_vp8_keyframe_header_names_the_frame_size() -> None:
    encoder = make("vp8")
    key, delta = bytes(encode_one(encoder, 0)), bytes(encode_one(encoder, 1))
    assert key[0] & 1 == 0 and delta[0] & 1 == 1  # frame tag bit 0: 0 = keyframe
    assert key[3:6] == b"\x9d\x01\x2a"  # the keyframe start code
    width, height = int.from_bytes(key[6:8], "little") & 0x3FFF, int.from_bytes(key[8:10], "little") & 0x3FFF
    assert (width, height) == (W, H)


# -- bitrate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "expected"), [(1, 500_000), (3_000_000, 3_000_000), (10**10, 12_000_000)])
def test_initial_bitrate_is_clamped_to_the_limits(asked: int, expected: int) -> None:
    assert make("vp8", bitrate=asked).bitrate == expected


def test_odd_frame_sizes_raise_value_error() -> None:
    for width, height in [(321, 180), (320, 181), (33, 33)]:
        with pytest.raises(ValueError, match=f"even.*{width}x{height}"):
            VideoEncoder(EncoderSettings("h264", width, height, 30))


@pytest.mark.parametrize("codec", CODECS)
def test_bitrate_change_waits_for_the_hold_then_reopens_with_a_keyframe(
    codec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime()
    monkeypatch.setattr(encoder_module, "time", clock)
    encoder = make(codec, bitrate=4_000_000)
    decoder = decoder_for(codec)
    opened = clock.t
    packets = [encode_one(encoder, 0)]

    encoder.set_target_bitrate(2_000_000)
    for i, t in enumerate([0.1, 1.0, BITRATE_HOLD_SECONDS - 0.01], start=1):
        clock.t = opened + t
        packets.append(encode_one(encoder, i))
        assert encoder.bitrate == 4_000_000, f"reopened only {t} s after the last open"
    clock.t = opened + BITRATE_HOLD_SECONDS
    packets.append(encode_one(encoder, 4))
    assert encoder.bitrate == 2_000_000
    assert [p.is_keyframe for p in packets] == [True, False, False, False, True]

    clock.t += 0.5
    packets.append(encode_one(encoder, 5))
    assert not packets[-1].is_keyframe

    # One decoder follows the stream across the re-open.
    pictures = [f for p in packets for f in decoder.decode(p)] + list(decoder.decode(None))
    assert len(pictures) == len(packets)
    for i, picture in enumerate(pictures):
        assert isinstance(picture, av.VideoFrame)
        assert mean_error(picture, gradient(i)) < 12


def test_hold_counts_from_the_last_reopen(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime()
    monkeypatch.setattr(encoder_module, "time", clock)
    encoder = make("vp8", bitrate=4_000_000)
    encode_one(encoder, 0)
    clock.t += 10.0
    encoder.set_target_bitrate(2_000_000)
    assert encode_one(encoder, 1).is_keyframe  # long idle: the change applies at once
    assert encoder.bitrate == 2_000_000
    reopened = clock.t
    encoder.set_target_bitrate(6_000_000)
    clock.t = reopened + BITRATE_HOLD_SECONDS / 2
    assert not encode_one(encoder, 2).is_keyframe
    assert encoder.bitrate == 2_000_000
    clock.t = reopened + BITRATE_HOLD_SECONDS
    assert encode_one(encoder, 3).is_keyframe
    assert encoder.bitrate == 6_000_000


@pytest.mark.parametrize(("asked", "expected"), [(1, 500_000), (-5, 500_000), (10**10, 12_000_000)])
def test_set_target_bitrate_clamps_to_the_limits(
    asked: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime()
    monkeypatch.setattr(encoder_module, "time", clock)
    encoder = make("vp8", bitrate=4_000_000)
    encode_one(encoder, 0)
    encoder.set_target_bitrate(asked)
    clock.t += BITRATE_HOLD_SECONDS
    assert encode_one(encoder, 1).is_keyframe
    assert encoder.bitrate == expected


def test_a_change_within_ten_percent_does_not_reopen(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeTime()
    monkeypatch.setattr(encoder_module, "time", clock)
    encoder = make("h264", bitrate=4_000_000)
    encode_one(encoder, 0)
    encoder.set_target_bitrate(4_300_000)
    clock.t += 10 * BITRATE_HOLD_SECONDS
    assert not encode_one(encoder, 1).is_keyframe
    assert encoder.bitrate == 4_000_000
