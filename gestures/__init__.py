"""Hand gestures from the viewer's camera: landmarks -> static gestures -> dynamic events.

Pure logic (`static`, `dynamic`, `events`) imports no MediaPipe; `MediapipeHands` loads it lazily.
"""

from gestures.dynamic import DynamicConfig, DynamicRecognizer
from gestures.events import GestureEvent
from gestures.landmarks import Hand, Handedness, HandLandmarker, MediapipeHands
from gestures.recognizer import FrameResult, GestureRecognizer, HandGesture
from gestures.static import STATIC_GESTURES, StaticGesture, StaticResult, classify, classify_hand

__all__ = [
    "DynamicConfig",
    "DynamicRecognizer",
    "FrameResult",
    "GestureEvent",
    "GestureRecognizer",
    "Hand",
    "HandGesture",
    "HandLandmarker",
    "Handedness",
    "MediapipeHands",
    "STATIC_GESTURES",
    "StaticGesture",
    "StaticResult",
    "classify",
    "classify_hand",
]
