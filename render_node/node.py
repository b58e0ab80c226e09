"""A render node: answers viewers' WebRTC offers, runs their sessions, reaps idle ones.

In the embedded mode signaling calls it in-process; a distributed node serves the same calls
over HTTP. It keeps one renderer warm so a new session's first frame does not wait for GL
start-up, shader compiles and product uploads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, replace

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.exceptions import OperationError
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import SessionDescription

from assets.product import Product
from avatar.voice.base_voice import Voice
from render_node.assistant_port import AssistantPort, InteractionSink
from render_node.camera_analysis import AnalyzerFactory
from render_node.camera_consumer import DEFAULT_GESTURE_FPS
from render_node.cart_port import CartPort, InMemoryCarts
from render_node.encoder import Codec
from render_node.gl_context import create_context
from render_node.ibl import PreparedEnvironment
from render_node.metrics import StreamMetrics
from render_node.offers import OfferError, ViewerAnswer, ViewerOffer
from render_node.render_thread import RenderThread
from render_node.renderer import Renderer
from render_node.rtp_feedback import route_feedback
from render_node.session import Session, StreamSettings, Viewer
from render_node.showroom_content import load_products
from scenes.layout import Layout

__all__ = ["NodeConfig", "RenderNode"]

log = logging.getLogger(__name__)

_MIME = {"video/H264": "h264", "video/VP8": "vp8"}


@dataclass(frozen=True)
class NodeConfig:
    stream: StreamSettings = StreamSettings()
    ice_servers: tuple[RTCIceServer, ...] = ()
    idle_timeout_s: float = 30.0
    max_sessions: int = 8
    msaa: int | None = None
    # Hand gestures from viewers' cameras: a recogniser per camera stream, None for no camera at
    # all (an offered camera section is answered inactive, so browsers send nothing).
    gesture_analyzer: AnalyzerFactory | None = None
    gesture_fps: float = DEFAULT_GESTURE_FPS  # analyses per second per camera, at most
    # The shopping assistant: its brain (None: no assistant in the showroom) and its voice (None: it
    # answers in words only; offered audio sections then carry silence).
    assistant: AssistantPort | None = None
    voice: Voice | None = None


class RenderNode:
    def __init__(
        self,
        products: tuple[Product, ...],
        layout: Layout,
        environment: PreparedEnvironment,
        config: NodeConfig,
        metrics: StreamMetrics | None = None,
        cart: CartPort | None = None,
        interactions: InteractionSink | None = None,
    ) -> None:
        """`cart` reaches the shop's carts; without one, carts live in this node's memory only.
        `interactions` hears what viewers look at (for the assistant's recommendations)."""
        self.products = products
        self.layout = layout
        self.environment = environment
        self.config = config
        self.metrics = metrics or StreamMetrics()
        self.cart: CartPort = cart or InMemoryCarts(known_products=frozenset(p.id for p in products))
        self.interactions = interactions
        self.sessions: dict[str, Session] = {}
        self._peers: dict[str, tuple[RTCPeerConnection, Viewer, Session]] = {}
        self._spare: asyncio.Task[tuple[RenderThread, Renderer]] | None = None
        self._reaper: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._spare = asyncio.create_task(self._prepare_renderer())
        await asyncio.shield(self._spare)  # ready means a first viewer is served at once
        self._reaper = asyncio.create_task(self._reap_forever())

    async def close(self) -> None:
        if self._reaper:
            self._reaper.cancel()
        for session_id in list(self.sessions):
            await self.end_session(session_id)
        if self._spare is not None:
            with contextlib.suppress(Exception):
                thread, renderer = await self._spare
                await thread.run(renderer.release)
                thread.shutdown()

    async def _prepare_renderer(self) -> tuple[RenderThread, Renderer]:
        thread = RenderThread(f"render-{uuid.uuid4().hex[:6]}")
        stream = self.config.stream

        def build() -> Renderer:
            renderer = Renderer(
                create_context(),
                self.layout,
                (stream.width, stream.height),
                msaa=self.config.msaa,
                environment=self.environment,
            )
            load_products(renderer, self.products)
            return renderer

        return thread, await thread.run(build)

    async def _take_renderer(self, size: tuple[int, int]) -> tuple[RenderThread, Renderer]:
        spare, self._spare = self._spare, asyncio.create_task(self._prepare_renderer())
        thread, renderer = await spare if spare is not None else await self._prepare_renderer()
        await thread.run(lambda: renderer.resize(size))
        return thread, renderer

    # -- offers --------------------------------------------------------------------------------
    async def offer(self, offer: ViewerOffer) -> ViewerAnswer:
        """Answer a viewer's offer, starting a session or joining `offer.session_id`."""
        _check_offer(offer.sdp)
        session = self.sessions.get(offer.session_id) if offer.session_id else None
        if offer.session_id and session is None:
            self.metrics.offers.labels("rejected").inc()
            raise OfferError(404, f"no session {offer.session_id!r}; leave session_id out to start one")
        if session is None and len(self.sessions) >= self.config.max_sessions:
            self.metrics.offers.labels("rejected").inc()
            raise OfferError(503, f"this render node is full ({self.config.max_sessions} sessions)")
        pc = RTCPeerConnection(RTCConfiguration(iceServers=list(self.config.ice_servers)))
        viewer: Viewer | None = None
        try:
            # Our sending transceiver exists before the offer is applied, so our codec order wins.
            # It takes the offer's first video section; sendrecv lets that section carry the
            # viewer's camera too, while a recvonly one is still answered sendonly.
            gestures = self.config.gesture_analyzer is not None
            video = pc.addTransceiver("video", direction="sendrecv" if gestures else "sendonly")
            video.setCodecPreferences(_codec_preferences(offer.codec))
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
            camera = _camera_track(pc.getTransceivers(), video, accept=gestures)
            speech = _speech_transceiver(pc.getTransceivers())
            answer = await pc.createAnswer()
            codec = _negotiated_codec(answer.sdp)
            if session is None:
                session = await self._new_session(offer)
            viewer = session.new_viewer(codec)
            video.sender.replaceTrack(viewer.track)
            route_feedback(video.sender, viewer.track)
            if speech is not None:
                speech.sender.replaceTrack(session.speech_track(viewer))
            await pc.setLocalDescription(answer)
            if camera is not None and self.config.gesture_analyzer is not None:
                session.attach_camera(viewer, camera, self.config.gesture_analyzer, self.config.gesture_fps)
        except Exception as exc:
            self.metrics.offers.labels("rejected").inc()
            if viewer is not None and session is not None:
                session.remove_viewer(viewer)
            await pc.close()
            if isinstance(exc, OfferError):
                raise
            if isinstance(exc, OperationError):
                raise OfferError(415, f"no common video codec: {exc}") from None
            if isinstance(exc, ValueError | KeyError | IndexError | AssertionError):  # a malformed SDP
                raise OfferError(400, f"malformed offer: {exc}") from None
            raise
        self._watch(pc, viewer, session)
        self.metrics.offers.labels("accepted").inc()
        s = session.settings
        return ViewerAnswer(pc.localDescription.sdp, session.id, viewer.id, codec, s.width, s.height, s.fps)

    async def _new_session(self, offer: ViewerOffer) -> Session:
        base = self.config.stream
        settings = replace(
            base,
            width=offer.width or base.width,
            height=offer.height or base.height,
            fps=offer.fps or base.fps,
        )
        thread, renderer = await self._take_renderer((settings.width, settings.height))
        session = Session(
            uuid.uuid4().hex,
            self.products,
            self.layout,
            settings,
            thread,
            renderer,
            self.metrics,
            self.cart,
            assistant=self.config.assistant,
            voice=self.config.voice,
            interactions=self.interactions,
        )
        self.sessions[session.id] = session
        self.metrics.sessions.set(len(self.sessions))
        session.start()
        log.info("session %s started at %dx%d@%d", session.id, settings.width, settings.height, settings.fps)
        return session

    def _watch(self, pc: RTCPeerConnection, viewer: Viewer, session: Session) -> None:
        self._peers[viewer.id] = (pc, viewer, session)

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if channel.label == "input":
                session.attach_channel(viewer, channel)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._drop_viewer(viewer.id)

    async def _drop_viewer(self, viewer_id: str) -> None:
        entry = self._peers.pop(viewer_id, None)
        if entry is None:
            return
        pc, viewer, session = entry
        session.remove_viewer(viewer)
        await pc.close()

    async def end_session(self, session_id: str) -> bool:
        session = self.sessions.pop(session_id, None)
        if session is None:
            return False
        for viewer_id, (_, _, s) in list(self._peers.items()):
            if s is session:
                await self._drop_viewer(viewer_id)
        await session.close()
        self.metrics.sessions.set(len(self.sessions))
        log.info("session %s ended", session_id)
        return True

    async def reap_idle(self, now: float | None = None) -> list[str]:
        """End sessions that have had no viewer for longer than the idle timeout."""
        now = time.monotonic() if now is None else now
        idle = [
            sid
            for sid, s in self.sessions.items()
            if s.idle_since is not None and now - s.idle_since > self.config.idle_timeout_s
        ]
        for sid in idle:
            await self.end_session(sid)
        return idle

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.config.idle_timeout_s / 2))
            try:
                await self.reap_idle()
            except Exception:  # the reaper must outlive any one session's trouble
                log.exception("reaping idle sessions failed")


def _camera_track(
    transceivers: list[RTCRtpTransceiver], showroom: RTCRtpTransceiver, *, accept: bool
) -> MediaStreamTrack | None:
    """The viewer's camera: the first video the offer sends us. Others, or all without gestures, off.

    Turning a section inactive before answering means the browser never sends on it; a camera
    we received but did not read would fill aiortc's unbounded receive queue.
    """
    camera: MediaStreamTrack | None = None
    for transceiver in transceivers:
        if transceiver.kind != "video":
            continue
        track = transceiver.receiver.track
        if accept and camera is None and track is not None:
            camera = track
        elif transceiver is not showroom:
            transceiver.direction = "inactive"
    return camera


def _speech_transceiver(transceivers: list[RTCRtpTransceiver]) -> RTCRtpTransceiver | None:
    """The offer's first audio section carries the assistant's voice; any others (a microphone) are off.

    Speech recognition happens in the browser, which sends text, so no audio is ever received.
    """
    speech: RTCRtpTransceiver | None = None
    for transceiver in transceivers:
        if transceiver.kind != "audio":
            continue
        if speech is None:
            speech = transceiver
            transceiver.direction = "sendonly"
        else:
            transceiver.direction = "inactive"
    return speech


def _check_offer(sdp: str) -> None:
    if not sdp.lstrip().startswith("v=0"):
        raise OfferError(400, "malformed offer: an SDP starts with 'v=0'")
    try:
        parsed = SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser fails with asserts, KeyErrors and ValueErrors alike
        raise OfferError(400, f"malformed offer: {type(exc).__name__} {exc}".strip()) from None
    videos = [m for m in parsed.media if m.kind == "video"]
    if not videos:
        raise OfferError(400, "the offer has no video section: add a recvonly video transceiver")
    if videos[0].direction in ("sendonly", "inactive"):
        raise OfferError(
            400,
            "the offer's first video section (the showroom) is not receivable: its direction must be "
            "recvonly or sendrecv; a camera goes in a later sendonly section",
        )
    names = {c.mimeType for m in videos for c in m.rtp.codecs}
    if not names & set(_MIME):
        raise OfferError(
            415, f"no common video codec: the offer has {sorted(names)}, this node sends H264 or VP8"
        )


def _codec_preferences(preferred: Codec | None) -> list[RTCRtpCodecCapability]:
    caps = RTCRtpSender.getCapabilities("video").codecs
    order = ["video/VP8", "video/H264"] if preferred == "vp8" else ["video/H264", "video/VP8"]
    chosen = [c for mime in order for c in caps if c.mimeType == mime]
    return chosen + [c for c in caps if c.mimeType == "video/rtx"]


def _negotiated_codec(sdp: str) -> Codec:
    parsed = SessionDescription.parse(sdp)
    for media in parsed.media:
        if media.kind == "video" and media.rtp.codecs:
            mime = media.rtp.codecs[0].mimeType
            if mime == "video/H264":
                return "h264"
            if mime == "video/VP8":
                return "vp8"
    raise OfferError(415, "no common video codec (H264 or VP8)")
