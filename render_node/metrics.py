"""Prometheus metrics of one render node: sessions, viewers, frames and where their time goes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["StreamMetrics"]

_STAGE_BUCKETS = (0.001, 0.002, 0.004, 0.008, 0.012, 0.016, 0.025, 0.033, 0.05, 0.1, 0.25)
_GESTURE_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0)


class StreamMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.sessions = Gauge("holoshop_sessions", "Showroom sessions running", registry=r)
        self.viewers = Gauge("holoshop_viewers", "Viewers connected, over all sessions", registry=r)
        self.frames_rendered = Counter("holoshop_frames_rendered", "Frames rendered", registry=r)
        self.frames_encoded = Counter("holoshop_frames_encoded", "Frames encoded", ["codec"], registry=r)
        self.frames_sent = Counter("holoshop_frames_sent", "Encoded frames handed to viewers", registry=r)
        self.frames_dropped = Counter(
            "holoshop_frames_dropped",
            "Frames given up: 'late' render ticks, 'encoder' frames replaced before encoding, "
            "'viewer' packets a slow viewer skipped",
            ["reason"],
            registry=r,
        )
        self.stage_seconds = Histogram(
            "holoshop_frame_stage_seconds",
            "Time per frame in each stage (update, draw, readback, encode)",
            ["stage"],
            buckets=_STAGE_BUCKETS,
            registry=r,
        )
        self.encoder_bitrate = Gauge(
            "holoshop_encoder_bitrate_bps",
            "Target bitrate of the newest encoder per codec",
            ["codec"],
            registry=r,
        )
        self.input_messages = Counter(
            "holoshop_input_messages", "Data-channel input messages by result", ["result"], registry=r
        )
        self.offers = Counter("holoshop_offers", "WebRTC offers by result", ["result"], registry=r)
        self.fps = Gauge("holoshop_session_fps", "Frames rendered per second, newest session", registry=r)
        # Hand gestures from the viewers' cameras (issue 5). Frames are counted, never kept.
        self.cameras = Gauge(
            "holoshop_gesture_cameras",
            "Viewer cameras sending frames now (shopping with their hands)",
            registry=r,
        )
        self.camera_frames = Counter(
            "holoshop_gesture_frames",
            "Camera frames by result: 'analysed', or dropped because an analysis was 'busy' or the "
            "'rate' limit had not passed (never queued)",
            ["result"],
            registry=r,
        )
        self.analysis_seconds = Histogram(
            "holoshop_gesture_analysis_seconds",
            "Time to convert and analyse one camera frame on the worker thread",
            buckets=_GESTURE_BUCKETS,
            registry=r,
        )
        self.gesture_latency = Histogram(
            "holoshop_gesture_latency_seconds",
            "From a camera frame's arrival to its gesture's action applied to the showroom",
            buckets=_GESTURE_BUCKETS,
            registry=r,
        )
        self.gestures = Counter(
            "holoshop_gestures", "Gestures that became actions, by name", ["name"], registry=r
        )
