"""One video encoder per session and codec: we own its time base, keyframes and bitrate.

aiortc's own encoders are not used: its H.264 runs x264's default preset with a fixed 30 FPS
time base and a 3 Mbit/s cap, and every sender would encode again. Here each frame is encoded
once (x264 ultrafast + zerolatency, constrained baseline so Safari plays it; or libvpx VP8 in
realtime mode) and the packets go to every viewer unchanged.
"""

from __future__ import annotations

import fractions
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

import av
import av.video.frame

__all__ = ["Codec", "EncoderSettings", "VideoEncoder", "TIME_BASE"]

Codec = Literal["h264", "vp8"]
TIME_BASE = fractions.Fraction(1, 90_000)  # RTP's video clock, so timestamps pass through exactly
BITRATE_HOLD_SECONDS = 2.0  # re-open the codec for a new bitrate at most this often


@dataclass(frozen=True)
class EncoderSettings:
    codec: Codec
    width: int
    height: int
    fps: int
    bitrate: int = 4_000_000
    min_bitrate: int = 500_000
    max_bitrate: int = 12_000_000
    keyframe_interval_s: float = 4.0
    threads: int = 1


# H.264 levels by (max macroblocks per frame, max macroblocks per second), from Annex A.
_H264_LEVELS = (
    ("3.1", 3_600, 108_000),
    ("3.2", 5_120, 216_000),
    ("4.1", 8_192, 245_760),
    ("4.2", 8_704, 522_240),
    ("5.1", 36_864, 983_040),
    ("5.2", 36_864, 2_073_600),
)


def _h264_level(width: int, height: int, fps: int) -> str:
    """The lowest level whose frame size and macroblock rate both admit the stream."""
    per_frame = ((width + 15) // 16) * ((height + 15) // 16)
    for level, max_frame, max_rate in _H264_LEVELS:
        if per_frame <= max_frame and per_frame * fps <= max_rate:
            return level
    return _H264_LEVELS[-1][0]


class VideoEncoder:
    """Not thread-safe for encode(); request_keyframe and set_target_bitrate may come from any thread."""

    def __init__(self, settings: EncoderSettings) -> None:
        if settings.width % 2 or settings.height % 2:
            raise ValueError(
                f"frame size must be even for 4:2:0 video, got {settings.width}x{settings.height}"
            )
        self.settings = settings
        self._lock = threading.Lock()
        self._keyframe = True
        self._target = self._clamp(settings.bitrate)
        self._context: av.VideoCodecContext | None = None
        self._opened_at = 0.0
        self.bitrate = self._target
        self.last_encode_ms = 0.0
        self.frames = 0
        self.keyframes = 0
        self.bytes_out = 0

    def _clamp(self, bitrate: int) -> int:
        return max(self.settings.min_bitrate, min(self.settings.max_bitrate, int(bitrate)))

    def request_keyframe(self) -> None:
        with self._lock:
            self._keyframe = True

    def set_target_bitrate(self, bitrate: int) -> None:
        with self._lock:
            self._target = self._clamp(bitrate)

    def _open(self, bitrate: int) -> av.VideoCodecContext:
        s = self.settings
        if s.codec == "h264":
            ctx = av.CodecContext.create("libx264", "w")
            kbps = bitrate // 1000
            ctx.options = {
                "preset": "ultrafast",
                "tune": "zerolatency",
                "profile": "baseline",  # constrained baseline with ultrafast: no CABAC, no B-frames
                "level": _h264_level(s.width, s.height, s.fps),
                "x264-params": (
                    f"keyint={int(s.fps * s.keyframe_interval_s)}:min-keyint={s.fps}:scenecut=0:"
                    f"vbv-maxrate={kbps}:vbv-bufsize={max(kbps // 2, 1)}:repeat-headers=1"
                ),
            }
        else:
            ctx = av.CodecContext.create("libvpx", "w")
            ctx.options = {
                "deadline": "realtime",
                "cpu-used": "16",  # libvpx's fastest realtime speed: 6.5 ms a 720p frame here, vs 8
                "lag-in-frames": "0",
                "auto-alt-ref": "0",
                "error-resilient": "1",
                "undershoot-pct": "95",
                "static-thresh": "100",  # a showroom is mostly still: skip unchanged blocks
            }
            ctx.gop_size = int(s.fps * s.keyframe_interval_s)
        ctx.width, ctx.height = s.width, s.height
        ctx.pix_fmt = "yuv420p"
        ctx.time_base = TIME_BASE
        ctx.framerate = fractions.Fraction(s.fps, 1)
        ctx.bit_rate = bitrate
        ctx.thread_count = s.threads
        ctx.open()
        return ctx

    def encode(self, frame: av.VideoFrame) -> list[av.Packet[Any]]:
        """Encode one frame (any pixel format, pts in TIME_BASE); returns the packets it completes."""
        started = time.perf_counter()
        with self._lock:
            keyframe, self._keyframe = self._keyframe, False
            target = self._target
        now = time.monotonic()
        if self._context is None or (
            abs(target - self.bitrate) > 0.1 * self.bitrate and now - self._opened_at >= BITRATE_HOLD_SECONDS
        ):
            # libx264 and libvpx take a new bitrate only when opened again; a fresh codec starts
            # with a keyframe, which the viewers get anyway.
            self._context = self._open(target)
            self._opened_at, self.bitrate, keyframe = now, target, True
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        frame.time_base = TIME_BASE
        frame.pict_type = av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        packets = list(self._context.encode(frame))
        for packet in packets:
            packet.time_base = TIME_BASE
            self.bytes_out += packet.size
            self.keyframes += int(packet.is_keyframe)
        self.frames += 1
        self.last_encode_ms = (time.perf_counter() - started) * 1000
        return packets
