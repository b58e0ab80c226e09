"""The assistant's speech as the session plays it: one timeline, one audio track per viewer.

Speech is scheduled on a `SpeechTimeline` in the event loop's monotonic clock. Every viewer's
`SpeechTrack` reads the same timeline at the wall time of the 20 ms frame it is about to send,
so co-browsers hear the same words at the same moment, and the video frame rendered at that
moment takes its mouth from the same timeline (`mouth_at`): lips and sound share one clock.
aiortc encodes the frames to Opus per viewer (audio is cheap; there is no shared audio encoder
to fan out like the video's).

The timeline lives on the event loop: `play` is called there (with an `Utterance` synthesised in
a worker thread), and the tracks read it there.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from avatar.mouth import CLOSED, MouthShape
from avatar.voice.base_voice import SAMPLE_RATE, Samples, Utterance

__all__ = ["FRAME_SAMPLES", "MAX_LAG_S", "Playback", "SpeechTimeline", "SpeechTrack"]

FRAME_S = 0.02  # aiortc's audio packet time
FRAME_SAMPLES = round(SAMPLE_RATE * FRAME_S)
MAX_LAG_S = 0.2  # a track further behind than this skips ahead instead of sending stale audio
_KEEP_S = 5.0  # finished playbacks are forgotten this long after their end
_MAX_PLAYBACKS = 64


@dataclass(eq=False)
class Playback:
    utterance: Utterance
    starts_at: float  # monotonic seconds
    first_sent_at: float | None = None  # when the first track frame carrying its samples was sent
    stopped_at: float | None = None  # cut short by an interrupting `play`

    @property
    def ends_at(self) -> float:
        end = self.starts_at + self.utterance.duration_s
        return end if self.stopped_at is None else min(end, self.stopped_at)

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


class SpeechTimeline:
    """What the assistant says, when, for one session.

    `lead_s` delays a start requested for "now" by one frame: a track's frame for the current
    20 ms window may already be sent, and the speech would lose its first syllable in it.
    """

    def __init__(
        self,
        *,
        sample_rate: int = SAMPLE_RATE,
        clock: Callable[[], float] = time.monotonic,
        lead_s: float = FRAME_S,
    ) -> None:
        self.sample_rate = sample_rate
        self.clock = clock
        self.lead_s = lead_s
        self._playbacks: list[Playback] = []

    @property
    def playbacks(self) -> tuple[Playback, ...]:
        return tuple(self._playbacks)

    def play(self, utterance: Utterance, now: float | None = None, *, interrupt: bool = False) -> Playback:
        """Schedule `utterance` after what is already playing or queued, or cut that short and
        start at once with `interrupt=True` (the shopper asked something new)."""
        if utterance.sample_rate != self.sample_rate:
            raise ValueError(f"utterance at {utterance.sample_rate} Hz on a {self.sample_rate} Hz timeline")
        start = (self.clock() if now is None else now) + self.lead_s
        self._forget(start)
        if interrupt:
            for playback in self._playbacks:
                if playback.ends_at > start:
                    playback.stopped_at = max(playback.starts_at, start)
        elif self._playbacks:
            start = max(start, max(p.ends_at for p in self._playbacks))
        playback = Playback(utterance, start)
        self._playbacks.append(playback)
        return playback

    def stop(self, now: float | None = None) -> None:
        """Silence: cut whatever plays or is queued."""
        at = self.clock() if now is None else now
        for playback in self._playbacks:
            if playback.ends_at > at:
                playback.stopped_at = max(playback.starts_at, at)

    def _forget(self, now: float) -> None:
        self._playbacks = [p for p in self._playbacks if p.ends_at > now - _KEEP_S][-_MAX_PLAYBACKS:]

    def _current(self, now: float) -> Playback | None:
        for playback in self._playbacks:
            if playback.active(now):
                return playback
        return None

    def speaking(self, now: float | None = None) -> bool:
        return self._current(self.clock() if now is None else now) is not None

    def mouth(self, now: float | None = None) -> MouthShape | None:
        """The mouth of what plays at `now`, or None when nothing does (the figure is silent)."""
        at = self.clock() if now is None else now
        playback = self._current(at)
        return None if playback is None else playback.utterance.mouth_at(at - playback.starts_at)

    def mouth_at(self, now: float | None = None) -> MouthShape:
        return self.mouth(now) or CLOSED

    def speech_end(self) -> float | None:
        """When the last scheduled speech ends; None when nothing was ever scheduled."""
        return max((p.ends_at for p in self._playbacks), default=None)

    def mix(self, start_time: float, count: int) -> tuple[Samples, tuple[Playback, ...]]:
        """`count` samples from `start_time` on, and the playbacks heard in them."""
        rate = self.sample_rate
        out = np.zeros(count, np.int32)
        heard: list[Playback] = []
        for playback in self._playbacks:
            # Positions in whole samples from the playback's start, so windows that follow one
            # another pick up exactly where the previous one stopped.
            first = round((start_time - playback.starts_at) * rate)
            end = min(len(playback.utterance.samples), round((playback.ends_at - playback.starts_at) * rate))
            lo, hi = max(first, 0), min(first + count, end)
            if lo >= hi:
                continue
            out[lo - first : hi - first] += playback.utterance.samples[lo:hi]
            heard.append(playback)
        return np.clip(out, -32768, 32767).astype(np.int16), tuple(heard)

    def samples(self, start_time: float, count: int) -> Samples:
        """What plays from `start_time` for `count` samples: speech mixed, silence elsewhere."""
        return self.mix(start_time, count)[0]


class SpeechTrack(MediaStreamTrack):
    """One viewer's audio: 20 ms mono s16 frames of the session's timeline, paced in real time.

    Like aiortc's `AudioStreamTrack`, frame n is due at start + n * 20 ms and carries the audio
    of that window; silence when nobody speaks keeps the RTP stream (and the receiver's jitter
    buffer) running so speech starts without a gap.
    """

    kind = "audio"

    def __init__(self, timeline: SpeechTimeline) -> None:
        super().__init__()
        self.timeline = timeline
        self.started_at: float | None = None  # timeline time of the first frame's window
        self._timestamp = 0  # samples since `started_at`: the next frame's pts
        self.frames_sent = 0
        self.frames_skipped = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        timeline = self.timeline
        rate = timeline.sample_rate
        if self.started_at is None:
            self.started_at = timeline.clock()
        else:
            self._timestamp += FRAME_SAMPLES
            wait = self.started_at + self._timestamp / rate - timeline.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -MAX_LAG_S:  # the loop stalled: skip to now rather than burst stale audio
                behind = int(-wait * rate) // FRAME_SAMPLES
                self._timestamp += behind * FRAME_SAMPLES
                self.frames_skipped += behind
            if self.readyState != "live":
                raise MediaStreamError
        window = self.started_at + self._timestamp / rate
        samples, heard = timeline.mix(window, FRAME_SAMPLES)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = self._timestamp
        frame.time_base = fractions.Fraction(1, rate)
        if heard:
            sent = timeline.clock()
            for playback in heard:
                if playback.first_sent_at is None:
                    playback.first_sent_at = sent
        self.frames_sent += 1
        return frame
