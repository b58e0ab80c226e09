"""Shared videos as YUV4MPEG2 files, the format Chromium's fake camera plays
(`--use-file-for-fake-video-capture=FILE.y4m`)."""

from __future__ import annotations

from pathlib import Path

import av

__all__ = ["write_y4m"]


def write_y4m(source: Path, target: Path, width: int = 640, height: int = 480, fps: int = 25) -> int:
    """Decodes `source`, scales each frame to `width`x`height` (I420) and writes them; returns the count.

    Chromium loops the file, so a few seconds are enough.
    """
    frames = 0
    with av.open(str(source)) as container, target.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in container.decode(video=0):
            yuv = frame.reformat(width=width, height=height, format="yuv420p").to_ndarray()
            out.write(b"FRAME\n")
            out.write(yuv.tobytes())  # the Y plane, then U and V: the I420 layout y4m expects
            frames += 1
    return frames
