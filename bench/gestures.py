"""Benchmark: gesture accuracy on the shared labelled photos, and per-frame latency on video.

Accuracy: every photo in ../shared/data/hands through the thorough photo detector and the rule
classifier; one answer per photo (the most confident real gesture, "none" if every hand does
something else, "no_hand" if none is found), with the issue's mapping (pointing_up -> point;
call, four, rock_sign -> none), no hand expected on no_hand and two hands on multi_hand.
Latency: the shared videos scaled to 640x480 through the recogniser as the render node runs it
(MediaPipe image mode, each frame detected afresh, model complexity 1) plus classification and
dynamic gestures, pinned to one CPU core in-process (sched_setaffinity, so MediaPipe's threads
share it). Targets from issue 5: 95% overall, 0 false gestures on no_hand, p95 under 30 ms.
Run `python bench/gestures.py --help`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXPECTED = {"pointing_up": "point", "call": "none", "four": "none", "rock_sign": "none"}


def accuracy(hands_dir: Path, verbose: bool) -> None:
    from gestures.landmarks import MediapipeHands
    from gestures.media import load_rgb
    from gestures.static import classify_hand

    per_class: dict[str, list[bool]] = defaultdict(list)
    misses: list[str] = []
    false_on_no_hand = 0
    photos = sorted(hands_dir.glob("*/*"))
    with MediapipeHands("image", thorough=True) as detector:
        for i, path in enumerate(photos, 1):
            print(f"\rphotos {i}/{len(photos)}", end="", file=sys.stderr, flush=True)
            label = path.parent.name
            hands = detector.detect(load_rgb(path))
            results = [classify_hand(h) for h in hands]
            real = [r for r in results if r.gesture != "none"]
            if label == "no_hand":
                ok, got = not hands, f"{len(hands)} hands"
                false_on_no_hand += len(real)
            elif label == "multi_hand":
                ok, got = len(hands) == 2, f"{len(hands)} hands"
            else:
                got = (
                    "no_hand"
                    if not hands
                    else max(real, key=lambda r: r.confidence).gesture
                    if real
                    else "none"
                )
                ok = got == EXPECTED.get(label, label)
            per_class[label].append(ok)
            if not ok or verbose:
                seen = ", ".join(f"{r.gesture} {r.confidence:.2f}" for r in results) or "no hand"
                misses.append(f"  {'ok  ' if ok else 'MISS'} {label}/{path.name}: got {got} ({seen})")
    print(file=sys.stderr)
    total = [ok for oks in per_class.values() for ok in oks]
    print(f"{'class':<12} {'expected':<10} {'right':>7} {'acc':>7}")
    for label in sorted(per_class):
        oks = per_class[label]
        expect = {"no_hand": "no hand", "multi_hand": "2 hands"}.get(label, EXPECTED.get(label, label))
        print(f"{label:<12} {expect:<10} {sum(oks):>3}/{len(oks):<3} {sum(oks) / len(oks):>7.1%}")
    print(f"{'overall':<23} {sum(total):>3}/{len(total):<3} {sum(total) / len(total):>7.1%}  (target 95%)")
    print(f"false gestures on no_hand photos: {false_on_no_hand}  (target 0)")
    print("\n".join(misses))


def latency(videos: list[Path], size: tuple[int, int]) -> None:
    import cv2
    import numpy as np

    from gestures.landmarks import MediapipeHands
    from gestures.media import video_frames
    from gestures.recognizer import GestureRecognizer

    times: list[float] = []
    frames = 0
    for video in videos:
        # As the render node analyses a camera: each frame detected afresh (render_node/gesture_analyzer.py).
        with GestureRecognizer(MediapipeHands("image")) as recognizer:
            for ts, rgb in video_frames(video):
                small = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
                t0 = time.perf_counter()
                recognizer.process(small, ts)
                times.append((time.perf_counter() - t0) * 1000)
                frames += 1
                print(f"\rframes {frames}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"\nlatency at {size[0]}x{size[1]}, landmarks + classification + dynamic, {frames} frames:")
    print(
        f"  p50 {statistics.median(times):.1f} ms   p95 {p95:.1f} ms (target < 30)   max {times[-1]:.1f} ms"
    )
    print(f"  {1000 / statistics.mean(times):.0f} frames/s on one core")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (hands/, video/)")
    parser.add_argument("--size", default="640x480", help="frame size for the latency run (WxH)")
    parser.add_argument(
        "--cores", type=int, default=1, help="CPU cores to pin the process to (0: no pinning)"
    )
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every photo, not only the misses")
    args = parser.parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))[: args.cores]
        os.sched_setaffinity(0, cpus)  # before MediaPipe starts its threads: they inherit it
        print(f"pinned to CPU {cpus}", file=sys.stderr)
    if not args.skip_accuracy:
        accuracy(args.data / "hands", args.verbose)
    if not args.skip_latency:
        w, h = (int(v) for v in args.size.lower().split("x"))
        latency(sorted((args.data / "video").glob("*.mp4")), (w, h))


if __name__ == "__main__":
    main()
