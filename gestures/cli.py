"""`holoshop gestures classify|video`: what the recogniser sees in your own pictures and clips."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["gestures_app"]

gestures_app = typer.Typer(
    help="Recognise hand gestures in photos and videos (MediaPipe landmarks, bundled models).",
    no_args_is_help=True,
)

Mirrored = Annotated[
    bool,
    typer.Option(
        "--mirrored", help="The pictures are mirrored (a selfie preview): trust MediaPipe's hand labels."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per line instead of text.")]


@gestures_app.command()
def classify(
    images: Annotated[
        list[Path], typer.Argument(help="Image files (JPEG, PNG...).", exists=True, dir_okay=False)
    ],
    as_json: AsJson = False,
    mirrored: Mirrored = False,
) -> None:
    """Static gesture, confidence and hand (left/right) of every hand in each image."""
    from gestures.landmarks import MediapipeHands
    from gestures.media import load_rgb
    from gestures.static import classify_hand

    with MediapipeHands("image", thorough=True, mirrored=mirrored) as detector:
        for path in images:
            hands = []
            for hand in detector.detect(load_rgb(path)):
                r = classify_hand(hand, mirrored)
                hands.append(
                    {
                        "gesture": r.gesture,
                        "confidence": round(r.confidence, 3),
                        "handedness": hand.handedness,
                    }
                )
            if as_json:
                print(json.dumps({"image": str(path), "hands": hands}), flush=True)
            else:
                found = ", ".join(f"{h['gesture']} ({h['handedness']}, {h['confidence']:.2f})" for h in hands)
                print(f"{path}: {found or 'no hand'}", flush=True)


@gestures_app.command()
def video(
    file: Annotated[Path, typer.Argument(help="A video file (MP4, WebM...).", exists=True, dir_okay=False)],
    as_json: AsJson = False,
    mirrored: Mirrored = False,
) -> None:
    """Hands per frame and the dynamic events (swipes, drags, zoom, dwell) of a video, as a camera stream."""
    from gestures.media import video_frames
    from gestures.recognizer import GestureRecognizer

    with GestureRecognizer(mirrored=mirrored) as recognizer:
        for count, (ts, rgb) in enumerate(video_frames(file), start=1):
            result = recognizer.process(rgb, ts)
            hands = [h.to_dict() for h in result.hands]
            events = [e.to_dict() for e in result.events]
            if as_json:
                print(json.dumps({"video": str(file), "timestamp_ms": ts, "hands": hands, "events": events}))
            else:
                found = ", ".join(f"{h['gesture']} ({h['handedness']}, {h['confidence']:.2f})" for h in hands)
                line = f"{ts / 1000:7.2f}s  {found or 'no hand'}"
                for e in events:
                    line += f"  -> {e['name']}" + (f" {e['phase']}" if "phase" in e else "")
                print(line)
            if count % 25 == 0:
                print(f"{count} frames analysed", file=sys.stderr, flush=True)
