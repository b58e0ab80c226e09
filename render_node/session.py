"""One showroom instance: its state, one render and one encode per frame, and its viewers.

Two loops run per session. The render loop ticks the frame clock, applies input, renders on
the session's GL thread and leaves the frame in a slot of depth one. The encode loop takes the
frame from the slot, encodes it once per codec on the encoder thread and hands the packets to
every viewer. While the slot is still full the render loop skips its tick (a dropped frame)
instead of queueing one behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import RTCDataChannel
from aiortc.mediastreams import MediaStreamTrack

from assets.product import Product
from avatar.voice.base_voice import Voice
from render_node.assistant_port import AssistantPort, InteractionSink, ShowroomInteraction
from render_node.camera_analysis import AnalyzerFactory, FrameAnalysis
from render_node.camera_consumer import DEFAULT_GESTURE_FPS, CameraConsumer
from render_node.cart_port import CartPort, InMemoryCarts
from render_node.encoder import Codec, EncoderSettings, VideoEncoder
from render_node.fanout import ViewerTrack
from render_node.frame_clock import FrameClock
from render_node.gesture_router import GestureRouter
from render_node.input_router import AddToCart, InputRouter, Routed
from render_node.messages import (
    AssistantMessage,
    CartMessage,
    CartNotice,
    ErrorMessage,
    GestureMessage,
    ListeningMessage,
    ProductInfo,
    StateMessage,
    TextMessage,
    parse_input,
)
from render_node.metrics import StreamMetrics
from render_node.render_thread import RenderThread
from render_node.renderer import Renderer
from render_node.session_assistant import SessionAssistant
from render_node.session_cart import SessionCart
from render_node.showroom_content import showroom_for
from render_node.speech_audio import SpeechTimeline, SpeechTrack
from scenes.actions import Action, HandCursor
from scenes.graph import FigureNode, FrameScene, Mode
from scenes.layout import Layout
from scenes.picking import pick_product
from scenes.showroom import StateSnapshot

__all__ = ["Session", "StreamSettings", "Viewer"]

log = logging.getLogger(__name__)

TIME_BASE_HZ = 90_000


@dataclass(frozen=True)
class StreamSettings:
    width: int = 1280
    height: int = 720
    fps: int = 60
    bitrate: int = 4_000_000
    min_bitrate: int = 500_000
    max_bitrate: int = 12_000_000
    encoder_threads: int = 1


@dataclass(frozen=True)
class _Step:
    changed: bool
    snapshot: StateSnapshot
    scene: FrameScene
    frame: av.VideoFrame | None
    update_s: float


@dataclass(eq=False)
class Viewer:
    track: ViewerTrack
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    channel: RTCDataChannel | None = None
    camera: CameraConsumer | None = None  # the viewer's own camera, when it shops with its hands
    gestures: GestureRouter | None = None
    speech: SpeechTrack | None = None  # the assistant's voice, when the viewer's offer asked for audio


class Session:
    def __init__(
        self,
        session_id: str,
        products: tuple[Product, ...],
        layout: Layout,
        settings: StreamSettings,
        thread: RenderThread,
        renderer: Renderer,
        metrics: StreamMetrics,
        cart: CartPort | None = None,
        assistant: AssistantPort | None = None,
        voice: Voice | None = None,
        interactions: InteractionSink | None = None,
    ) -> None:
        """`assistant` puts the shopping assistant in the showroom (and `voice` lets it speak);
        `interactions` hears what shoppers look at, for the recommender to learn from."""
        self.id = session_id
        self.settings = settings
        self.metrics = metrics
        self.products = {p.id: p for p in products}
        self._layout = layout
        self._showroom = showroom_for(products, layout)
        self._heights = {slot.product_id: slot.height for slot in self._showroom.slots}
        self._scene: FrameScene = self._showroom.frame()
        self._router = InputRouter(self._pick)
        self._pending: list[Action] = []
        self._pending_adds: list[str | None] = []  # viewer ids asking to add, resolved after `_pending`
        self._gesture_marks: list[float] = []  # arrival of the camera frames behind `_pending` actions
        self._hand: tuple[float, float] | None = None
        self.cart = SessionCart(cart or InMemoryCarts(), lambda _: self._broadcast_state(), self._reply)
        self.assistant = (
            SessionAssistant(
                assistant,
                voice,
                session_id,
                layout,
                dict(self._heights),
                broadcast=self._broadcast,
                others=self._to_others,
                reply=self._reply,
                act=lambda actions: self._queue(list(actions), None),
                add_to_cart=self._add_product,
            )
            if assistant is not None
            else None
        )
        self._interactions = interactions
        self._interest = self._showroom.snapshot()  # the last focus reported to `interactions`
        self._interaction_tasks: set[asyncio.Task[None]] = set()
        self._fps_window = (time.monotonic(), 0)
        self._thread = thread
        self._renderer = renderer
        self._encode_thread = RenderThread(f"encode-{session_id[:8]}")
        self._encoders: dict[Codec, VideoEncoder] = {}
        self.viewers: list[Viewer] = []
        self._slot: av.VideoFrame | None = None
        self._slot_answers_input = False
        self._slot_ready = asyncio.Event()
        self._input_arrived = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.idle_since: float | None = time.monotonic()
        self.frames_rendered = 0
        self.frames_encoded = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._render_loop(), name=f"render-{self.id}"),
            asyncio.create_task(self._encode_loop(), name=f"encode-{self.id}"),
        ]

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.cart.close()
        if self.assistant is not None:
            await self.assistant.close()
        for task in list(self._interaction_tasks):
            task.cancel()
        for viewer in list(self.viewers):
            self.remove_viewer(viewer)
        await self._thread.run(self._renderer.release)
        self._thread.shutdown()
        self._encode_thread.shutdown()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def hand_cursor(self) -> tuple[float, float] | None:
        """Where the hand cursor is drawn, 0..1 across the picture; None when no hand is seen."""
        return self._hand

    # -- viewers -----------------------------------------------------------------------------
    def encoder_for(self, codec: Codec) -> VideoEncoder:
        encoder = self._encoders.get(codec)
        if encoder is None:
            s = self.settings
            encoder = VideoEncoder(
                EncoderSettings(
                    codec,
                    s.width,
                    s.height,
                    s.fps,
                    s.bitrate,
                    s.min_bitrate,
                    s.max_bitrate,
                    threads=s.encoder_threads,
                )
            )
            self._encoders[codec] = encoder
            self.metrics.encoder_bitrate.labels(codec).set(encoder.bitrate)
        return encoder

    def new_viewer(self, codec: Codec) -> Viewer:
        encoder = self.encoder_for(codec)
        track = ViewerTrack(codec, encoder.request_keyframe, on_sent=self.metrics.frames_sent.inc)
        viewer = Viewer(track)
        self.viewers.append(viewer)
        self.idle_since = None
        self.metrics.viewers.inc()
        encoder.request_keyframe()  # the newcomer needs a picture to start from
        return viewer

    def attach_camera(
        self,
        viewer: Viewer,
        track: MediaStreamTrack,
        analyzer: AnalyzerFactory,
        fps: float = DEFAULT_GESTURE_FPS,
    ) -> None:
        """Shop with one's hands: analyse the viewer's camera track and act on its gestures."""
        if viewer.camera is not None:
            viewer.camera.stop()
        viewer.gestures = GestureRouter(self._pick)
        viewer.camera = CameraConsumer(
            track,
            analyzer,
            functools.partial(self._on_analysis, viewer),
            self.metrics,
            max_fps=fps,
            name=viewer.id[:6],
        )
        viewer.camera.start()

    def speech_track(self, viewer: Viewer) -> SpeechTrack:
        """The viewer's audio: the assistant's voice, or silence in a session without one."""
        if viewer.speech is None:
            timeline = self.assistant.timeline if self.assistant is not None else SpeechTimeline()
            viewer.speech = SpeechTrack(timeline)
        return viewer.speech

    def remove_viewer(self, viewer: Viewer) -> None:
        if viewer.camera is not None:
            viewer.camera.stop()
            viewer.camera = None
            if self._hand is not None:  # its hand leaves the picture with it
                self._hand = None
                self._pending.append(HandCursor(None))
        if viewer in self.viewers:
            self.viewers.remove(viewer)
            self.metrics.viewers.dec()
            self.metrics.frames_dropped.labels("viewer").inc(viewer.track.packets_dropped)
        viewer.track.stop()
        if viewer.speech is not None:
            viewer.speech.stop()
        if not self.viewers:
            self.idle_since = time.monotonic()

    def attach_channel(self, viewer: Viewer, channel: RTCDataChannel) -> None:
        viewer.channel = channel
        channel.on("message", lambda message: self.handle_input(message, viewer))
        self._send(viewer, self._state_message())

    # -- input and state ---------------------------------------------------------------------
    def handle_input(self, raw: str | bytes, viewer: Viewer | None = None) -> bool:
        """Validate one data-channel message and queue its actions; junk is counted, never fatal."""
        try:
            message = parse_input(raw)
        except ValueError as exc:
            self.metrics.input_messages.labels("rejected").inc()
            log.debug("session %s: dropped input: %s", self.id, exc)
            return False
        self.metrics.input_messages.labels("accepted").inc()
        viewer_id = viewer.id if viewer is not None else None
        if isinstance(message, CartMessage):
            self.cart.set_token(message.token, viewer_id)
            return True
        if isinstance(message, TextMessage | ListeningMessage):
            self._to_assistant(message, viewer_id)
            return True
        snap = self._showroom.snapshot()
        self._queue(self._router.handle(message, snap.mode, snap.focused, snap.variant), viewer_id)
        return True

    def _to_assistant(self, message: TextMessage | ListeningMessage, viewer_id: str | None) -> None:
        if self.assistant is None:
            if isinstance(message, TextMessage):
                self._reply(
                    viewer_id, ErrorMessage(code="unavailable", message="No assistant in this showroom")
                )
            return
        if isinstance(message, ListeningMessage):
            self.assistant.listening(message.active)
            return
        self.assistant.listening(False)
        self.assistant.ask(message.text, viewer_id, self._showroom.snapshot().focused)

    def _queue(self, routed: list[Routed], viewer_id: str | None) -> None:
        for item in routed:
            if isinstance(item, AddToCart):
                self._pending_adds.append(viewer_id)
            else:
                self._pending.append(item)
        if routed:
            self._input_arrived.set()  # draw it now rather than at the next tick

    def _on_analysis(self, viewer: Viewer, analysis: FrameAnalysis, arrived: float) -> None:
        """On the event loop: one analysed camera frame becomes actions, a cursor and feedback."""
        if self._closed or viewer.gestures is None or viewer not in self.viewers:
            return
        snap = self._showroom.snapshot()
        outcome = viewer.gestures.handle(analysis, arrived, snap.mode, snap.focused)
        routed = list(outcome.routed)
        if outcome.cursor != self._hand:
            self._hand = outcome.cursor
            routed.append(HandCursor(outcome.cursor))
        if outcome.routed:
            self._gesture_marks.append(arrived)
        self._queue(routed, viewer.id)
        for event in outcome.fired:
            self.metrics.gestures.labels(event.name).inc()
            confidence = min(1.0, max(0.0, event.confidence))
            self._send(viewer, GestureMessage(name=event.name, confidence=confidence, hand=event.hand))

    def _add_focused(self, snap: StateSnapshot, viewer_id: str | None) -> None:
        """Add what the viewer saw once its earlier input was applied: the step's snapshot."""
        self._add_product(snap.focused, snap.variant or 0, viewer_id)

    def _add_product(self, product_id: str | None, variant: int, viewer_id: str | None) -> None:
        product = self.products.get(product_id) if product_id else None
        label = ""
        if product is not None:
            named = product.variants[variant] if variant < len(product.variants) else None
            label = f"{product.name}, {named}" if named else product.name
        self.cart.add(product.id if product else None, variant, label, viewer_id)

    def _record(self, product_id: str | None, kind: ShowroomInteraction) -> None:
        """Tell the shop what was looked at, in a task: the shop never slows the showroom."""
        if self._interactions is None or product_id is None or len(self._interaction_tasks) > 32:
            return
        task = asyncio.create_task(self._interactions.record(self.id, product_id, kind))
        self._interaction_tasks.add(task)
        task.add_done_callback(self._interaction_done)

    def _interaction_done(self, task: asyncio.Task[None]) -> None:
        self._interaction_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("session %s: recording an interaction failed: %s", self.id, task.exception())

    def _pick(self, x: float, y: float) -> str | None:
        aspect = self.settings.width / self.settings.height
        return pick_product(self._scene, x, y, aspect, self._heights, self._layout.plinth.radius)

    def _state_message(self) -> StateMessage:
        snap = self._showroom.snapshot()
        product = self.products.get(snap.focused) if snap.focused else None
        info = (
            ProductInfo(
                id=product.id,
                name=product.name,
                price_minor=product.price_minor,
                currency=product.currency,
                variants=product.variants,
            )
            if product
            else None
        )
        return StateMessage(
            focused=snap.focused,
            mode=snap.mode.value,
            cart_count=self.cart.count,
            variant=snap.variant,
            product=info,
        )

    @staticmethod
    def _send(
        viewer: Viewer, message: StateMessage | CartNotice | ErrorMessage | GestureMessage | AssistantMessage
    ) -> None:
        if viewer.channel is not None and viewer.channel.readyState == "open":
            viewer.channel.send(message.model_dump_json())

    def _broadcast_state(self) -> None:
        self._broadcast(self._state_message())

    def _broadcast(self, message: StateMessage | AssistantMessage) -> None:
        for viewer in self.viewers:
            self._send(viewer, message)

    def _to_others(self, viewer_id: str, message: AssistantMessage) -> None:
        for viewer in self.viewers:
            if viewer.id != viewer_id:
                self._send(viewer, message)

    def _reply(self, viewer_id: str | None, message: CartNotice | ErrorMessage | AssistantMessage) -> None:
        for viewer in self.viewers:
            if viewer_id is None or viewer.id == viewer_id:
                self._send(viewer, message)

    # -- the two loops -----------------------------------------------------------------------
    async def _render_loop(self) -> None:
        clock = FrameClock(self.settings.fps)
        started: float | None = None
        last: float | None = None
        while True:
            scheduled, skipped = await clock.tick(self._input_arrived)
            if skipped:
                self.metrics.frames_dropped.labels("late").inc(skipped)
            started = scheduled if started is None else started
            dt, last = (0.0 if last is None else scheduled - last), scheduled
            actions, self._pending = self._pending, []
            adds, self._pending_adds = self._pending_adds, []
            marks, self._gesture_marks = self._gesture_marks, []
            # Nobody watching: keep the state moving, spend no pixels. The encoder still holding
            # the last frame: a new render would only replace it and, on a CPU renderer, take
            # cycles from that very encoder, so this tick is dropped.
            draw = bool(self.viewers) and self._slot is None
            if self.viewers and not draw:
                self.metrics.frames_dropped.labels("encoder").inc()
            pts = round((scheduled - started) * TIME_BASE_HZ)
            figure = self.assistant.figure(dt, scheduled) if self.assistant is not None else None
            step = await self._thread.run(functools.partial(self._step, dt, actions, pts, draw, figure))
            self._scene = step.scene
            self.metrics.stage_seconds.labels("update").observe(step.update_s)
            if step.changed:
                self._broadcast_state()
                self._note_interest(step.snapshot)
            for viewer_id in adds:
                self._add_focused(step.snapshot, viewer_id)
            applied = time.perf_counter()
            for arrived in marks:  # the camera frame's gesture is now in the showroom (or the cart's queue)
                self.metrics.gesture_latency.observe(applied - arrived)
            if step.frame is None:
                continue
            self.frames_rendered += 1
            self.metrics.frames_rendered.inc()
            self._count_fps(scheduled)
            times = self._renderer.times
            self.metrics.stage_seconds.labels("draw").observe(times.draw_ms / 1000)
            self.metrics.stage_seconds.labels("readback").observe(times.readback_ms / 1000)
            self._slot = step.frame
            self._slot_answers_input = bool(actions)
            self._slot_ready.set()
            # Let the encode loop take the frame before the next tick looks at the slot: when
            # rendering runs late the clock returns at once, and the slot would still look full.
            await asyncio.sleep(0)

    def _note_interest(self, snap: StateSnapshot) -> None:
        """A product newly in focus is a view; going close to it, an inspection."""
        before, self._interest = self._interest, snap
        if snap.focused is None:
            return
        if snap.focused != before.focused:
            self._record(snap.focused, "view")
        if snap.mode is Mode.INSPECT and (before.mode is not Mode.INSPECT or snap.focused != before.focused):
            self._record(snap.focused, "inspect")

    def _step(
        self, dt: float, actions: list[Action], pts: int, draw: bool, figure: FigureNode | None = None
    ) -> _Step:
        """On the GL thread: advance the showroom, then draw, read back and wrap a copy for the encoder."""
        started = time.perf_counter()
        changed = self._showroom.update(dt, actions)
        snapshot = self._showroom.snapshot()
        scene = self._showroom.frame()
        if figure is not None:
            scene = dataclasses.replace(scene, assistant=figure)
        update_s = time.perf_counter() - started
        if not draw:
            return _Step(changed, snapshot, scene, None, update_s)
        frame = av.VideoFrame.from_ndarray(self._renderer.render(scene), format="rgba")
        frame.pts = pts
        return _Step(changed, snapshot, scene, frame, update_s)

    @staticmethod
    def _repeat(encoder: VideoEncoder, frame: av.VideoFrame) -> list[av.Packet[Any]]:
        """Encode the frame again, one clock tick later: a few bytes of 'nothing changed'.

        Receivers that complete a frame only when the next one starts (aiortc's jitter buffer
        does) would otherwise hold the frame that answers a key press for a whole frame interval.
        """
        repeat = frame.reformat(format="yuv420p")
        repeat.pts = (frame.pts or 0) + 1
        return encoder.encode(repeat)

    def _count_fps(self, now: float) -> None:
        """Frames rendered per second over the last second or so, for /metrics."""
        if now - self._fps_window[0] >= 1.0:
            self.metrics.fps.set(self._fps_window[1] / (now - self._fps_window[0]))
            self._fps_window = (now, 0)
        self._fps_window = (self._fps_window[0], self._fps_window[1] + 1)

    async def _encode_loop(self) -> None:
        while True:
            await self._slot_ready.wait()
            self._slot_ready.clear()
            frame, self._slot = self._slot, None
            answers_input = self._slot_answers_input
            if frame is None:
                continue
            for codec, encoder in list(self._encoders.items()):
                viewers = [v for v in self.viewers if v.track.codec == codec]
                if not viewers:
                    continue
                estimates = [v.track.estimated_bitrate for v in viewers if v.track.estimated_bitrate]
                if estimates:
                    encoder.set_target_bitrate(min(estimates))
                packets = await self._encode_thread.run(functools.partial(encoder.encode, frame))
                if answers_input:
                    packets += await self._encode_thread.run(functools.partial(self._repeat, encoder, frame))
                self.metrics.stage_seconds.labels("encode").observe(encoder.last_encode_ms / 1000)
                self.metrics.frames_encoded.labels(codec).inc()
                self.metrics.encoder_bitrate.labels(codec).set(encoder.bitrate)
                self.frames_encoded += 1
                for packet in packets:
                    for viewer in viewers:
                        viewer.track.push(packet)
