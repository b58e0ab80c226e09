"""What a voice produces: audio with the visemes that go with it, and the protocol voices follow.

An `Utterance` is self-contained: the render node schedules its samples on the session's speech
timeline and asks it for the mouth shape at each video frame, so picture and sound share one
clock.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from avatar.mouth import CLOSED, MouthShape
from avatar.voice.visemes import VISEME_MOUTH, Viseme

__all__ = ["BLEND_S", "SAMPLE_RATE", "Samples", "Utterance", "Viseme", "VisemeCue", "Voice"]

SAMPLE_RATE = 48_000  # what WebRTC's Opus runs at: no resampling on the way out
BLEND_S = 0.06  # how long the mouth takes to move from one viseme to the next, at most

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class VisemeCue:
    start_s: float  # from the start of the utterance's audio
    viseme: Viseme


@dataclass(frozen=True, eq=False)
class Utterance:
    text: str
    samples: Samples  # mono int16
    sample_rate: int = SAMPLE_RATE
    cues: tuple[VisemeCue, ...] = ()
    _starts: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.samples.ndim != 1 or self.samples.dtype != np.int16:
            raise ValueError("an utterance's samples are mono int16")
        if self.sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        starts = tuple(c.start_s for c in self.cues)
        if any(b < a for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError("viseme cues must be in time order")
        object.__setattr__(self, "_starts", starts)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def _index(self, t: float) -> int:
        """The cue in force at t, or -1 outside the speech or before the first cue."""
        if t < 0.0 or t >= self.duration_s:
            return -1
        return bisect.bisect_right(self._starts, t) - 1

    def viseme_at(self, t: float) -> Viseme:
        i = self._index(t)
        return self.cues[i].viseme if i >= 0 else Viseme.rest

    def mouth_at(self, t: float) -> MouthShape:
        """The mouth at t seconds into the audio: each cue's shape is reached by blending from the
        previous one over at most `BLEND_S` (half the cue when it is shorter), so the mouth
        moves continuously and still reaches every shape, closed lips of an "m" included."""
        i = self._index(t)
        if i < 0:
            return CLOSED
        start = self._starts[i]
        end = self._starts[i + 1] if i + 1 < len(self._starts) else self.duration_s
        target = VISEME_MOUTH[self.cues[i].viseme]
        previous = VISEME_MOUTH[self.cues[i - 1].viseme] if i > 0 else CLOSED
        ramp = min(BLEND_S, 0.5 * (end - start))
        if ramp <= 0.0:
            return target
        return previous.mix(target, (t - start) / ramp)


class Voice(Protocol):
    def speak(self, text: str) -> Utterance:
        """Synthesise `text`; blocking and CPU-bound, so callers run it off the event loop."""
        ...
