"""Shared photos and recorded landmarks for the gesture tests (computed once per session)."""

from __future__ import annotations

import functools
from pathlib import Path

from gestures.landmarks import Hand

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HANDS_DIR = SHARED_DATA / "hands"
VIDEO_DIR = SHARED_DATA / "video"
# The mapping of the photo labels onto the product's gestures.
EXPECTED = {"pointing_up": "point", "call": "none", "four": "none", "rock_sign": "none"}


def shared(path: Path) -> Path:
    assert path.exists(), (
        f"shared test data missing: {path} (the tests need /work/shared/data, see SOURCES.md)"
    )
    return path


@functools.cache
def photo_hands() -> dict[str, list[Hand]]:
    """Every labelled photo's hands ("label/file" -> hands), found once with the thorough detector."""
    from gestures.landmarks import MediapipeHands
    from gestures.media import load_rgb

    out: dict[str, list[Hand]] = {}
    with MediapipeHands("image", thorough=True) as detector:
        for path in sorted(shared(HANDS_DIR).glob("*/*")):
            out[f"{path.parent.name}/{path.name}"] = detector.detect(load_rgb(path))
    return out


@functools.cache
def one_hand(name: str) -> Hand:
    """The single hand of one photo (real landmarks to build synthetic tracks from)."""
    from gestures.landmarks import MediapipeHands
    from gestures.media import load_rgb

    with MediapipeHands("image", thorough=True) as detector:
        hands = detector.detect(load_rgb(shared(HANDS_DIR / name)))
    assert len(hands) == 1, name
    return hands[0]
