"""Reading photos and videos into RGB frames for the CLI, the tests and the benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["load_rgb", "video_frames"]


def load_rgb(path: str | Path) -> npt.NDArray[np.uint8]:
    """An image file as an RGB array, turned upright by its EXIF orientation (phone photos)."""
    from PIL import Image, ImageOps

    with Image.open(path) as img:
        upright = ImageOps.exif_transpose(img)
        return np.asarray(upright.convert("RGB"), dtype=np.uint8)


def video_frames(path: str | Path) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
    """(timestamp in ms, RGB frame) for each frame of a video file, in order."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        last = -1
        for index, frame in enumerate(container.decode(stream)):
            if frame.time is not None:
                ts = int(round(frame.time * 1000))
            else:
                ts = int(round(index * 1000 / float(stream.average_rate or 25)))
            ts = max(ts, last + 1)  # MediaPipe's video mode wants strictly increasing timestamps
            last = ts
            yield ts, np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
