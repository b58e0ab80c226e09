"""Text to speech with espeak-ng, driven through ctypes: audio plus real phoneme timings.

libespeak-ng runs in synchronous mode (`espeak_Synth` returns once the text is spoken) and was
initialised with phoneme events, so the synthesis callback receives, next to the audio, one
event per phoneme with its mnemonic and its position in the audio in milliseconds: the visemes
follow what was actually synthesised rather than an estimate from the text. The library keeps
global state and is not re-entrant, so every call into it holds one lock for the whole process.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from avatar.voice.base_voice import SAMPLE_RATE, Utterance, VisemeCue
from avatar.voice.visemes import viseme_for_phoneme

__all__ = ["LIBRARY", "MAX_TEXT", "EspeakVoice", "VoiceUnavailable"]

log = logging.getLogger(__name__)

LIBRARY = "libespeak-ng.so.1"
MAX_TEXT = 1000  # characters: a reply is a few sentences; more is a bug or an abuse
_HINT = "install espeak-ng: scripts/install-system-deps.sh"

# speak_lib.h (espeak-ng 1.51, API revision 12)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000  # missing data: an error code rather than exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000  # a sentence pause after the text, so consecutive replies do not run together
_EE_OK = 0
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_RATE, _VOLUME, _PITCH = 1, 2, 3

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class VoiceUnavailable(RuntimeError):
    """libespeak-ng or its data is not installed."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms into the message's audio
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)

_LOCK = threading.Lock()  # libespeak-ng is one global synthesiser per process
_engines: dict[str, _Engine] = {}


class _Engine:
    """One loaded libespeak-ng. Only used with `_LOCK` held."""

    def __init__(self, library: str) -> None:
        try:
            lib = ctypes.CDLL(library)
        except OSError as exc:
            raise VoiceUnavailable(f"cannot load {library} ({exc}); {_HINT}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options)
        if rate <= 0:
            raise VoiceUnavailable(f"{library} could not start (espeak-ng-data missing?); {_HINT}")
        self.sample_rate = rate
        self._lib = lib
        self._callback = _Callback(self._on_synth)  # kept alive as long as the library may call it
        lib.espeak_SetSynthCallback(self._callback)
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._phonemes: list[tuple[int, str]] = []
        self._settings: tuple[str, int, int, int] | None = None

    def _on_synth(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).astype(np.int16, copy=True))
        if events:
            i = 0
            while (event := events[i]).type != _EVENT_LIST_TERMINATED:
                if event.type == _EVENT_PHONEME:
                    name = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
                    self._phonemes.append((event.audio_position, name))
                i += 1
        return 0  # carry on

    def configure(self, voice: str, rate_wpm: int, pitch: int, volume: int) -> None:
        settings = (voice, rate_wpm, pitch, volume)
        if settings == self._settings:
            return
        self._settings = None
        if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise ValueError(f"espeak-ng has no voice {voice!r} (espeak-ng --voices lists them)")
        for parameter, value in ((_RATE, rate_wpm), (_PITCH, pitch), (_VOLUME, volume)):
            if self._lib.espeak_SetParameter(parameter, value, 0) != _EE_OK:
                raise ValueError(f"espeak-ng refused parameter {parameter} = {value}")
        self._settings = settings

    def synth(self, text: str) -> tuple[npt.NDArray[np.int16], list[tuple[int, str]]]:
        self._chunks, self._phonemes = [], []
        data = text.encode("utf-8") + b"\0"
        result = self._lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
        )
        if result != _EE_OK:
            raise RuntimeError(f"espeak_Synth failed with code {result}")
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        phonemes, self._chunks, self._phonemes = self._phonemes, [], []
        return samples, phonemes


def _engine(library: str) -> _Engine:
    """With `_LOCK` held: the process's engine for `library`, loaded on first use."""
    engine = _engines.get(library)
    if engine is None:
        engine = _engines[library] = _Engine(library)
    return engine


def _resample(samples: npt.NDArray[np.int16], rate: int) -> npt.NDArray[np.int16]:
    if rate == SAMPLE_RATE or len(samples) == 0:
        return samples
    g = np.gcd(rate, SAMPLE_RATE)
    wave: npt.NDArray[np.float32] = resample_poly(samples.astype(np.float32), SAMPLE_RATE // g, rate // g)
    return np.clip(np.rint(wave), -32768, 32767).astype(np.int16)


def _cues(phonemes: list[tuple[int, str]], duration_s: float) -> tuple[VisemeCue, ...]:
    """Phoneme events (ms, mnemonic) to viseme cues: one per change, the last one at a time wins."""
    cues: list[VisemeCue] = []
    for ms, name in phonemes:
        viseme = viseme_for_phoneme(name)
        if viseme is None:
            log.debug("phoneme %r has no viseme", name)
            continue
        start = min(max(ms / 1000.0, 0.0), duration_s)
        if cues and start <= cues[-1].start_s:
            cues.pop()  # an empty phoneme (a pause of no length): the later one is what is heard
        if cues and cues[-1].viseme == viseme:
            continue
        if start < duration_s:
            cues.append(VisemeCue(start, viseme))
    return tuple(cues)


class EspeakVoice:
    """The assistant's voice. `speak` blocks for the synthesis: run it in a worker thread."""

    def __init__(
        self,
        voice: str = "en-us",
        rate_wpm: int = 175,
        pitch: int = 50,
        *,
        volume: int = 100,
        library: str = LIBRARY,
    ) -> None:
        if not 80 <= rate_wpm <= 450:
            raise ValueError("rate_wpm must be within 80..450 (espeak-ng's range)")
        if not 0 <= pitch <= 100:
            raise ValueError("pitch must be within 0..100")
        if not 0 <= volume <= 200:
            raise ValueError("volume must be within 0..200")
        self.voice, self.rate_wpm, self.pitch, self.volume = voice, rate_wpm, pitch, volume
        self.library = library
        with _LOCK:  # fail now, with a clear message, rather than at the first reply
            _engine(library).configure(voice, rate_wpm, pitch, volume)

    def speak(self, text: str) -> Utterance:
        if len(text) > MAX_TEXT:
            raise ValueError(f"text too long to speak: {len(text)} characters (at most {MAX_TEXT})")
        clean = " ".join(_CONTROL.sub(" ", text).split())
        if not clean:
            return Utterance(text, np.zeros(0, np.int16))
        with _LOCK:
            engine = _engine(self.library)
            engine.configure(self.voice, self.rate_wpm, self.pitch, self.volume)
            raw, phonemes = engine.synth(clean)
            rate = engine.sample_rate
        samples = _resample(raw, rate)
        return Utterance(text, samples, SAMPLE_RATE, _cues(phonemes, len(samples) / SAMPLE_RATE))
