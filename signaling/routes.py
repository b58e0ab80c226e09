"""HTTP signaling: offer/answer and session teardown, routed to the in-process render node."""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCIceServer
from fastapi import APIRouter, HTTPException, Response

from render_node.node import RenderNode
from render_node.offers import OfferError, ViewerOffer
from signaling.models import AnswerOut, IceServerOut, OfferIn, RtcConfigOut

__all__ = ["ice_servers_out", "signaling_router"]


def ice_servers_out(servers: tuple[RTCIceServer, ...]) -> list[IceServerOut]:
    out = []
    for s in servers:
        urls = [s.urls] if isinstance(s.urls, str) else list(s.urls)
        out.append(IceServerOut(urls=urls, username=s.username, credential=s.credential))
    return out


def signaling_router(node: Callable[[], RenderNode]) -> APIRouter:
    """`node` returns the ready render node, or raises HTTPException(503) while it starts."""
    router = APIRouter(prefix="/rtc", tags=["webrtc"])

    @router.get("/config", response_model=RtcConfigOut)
    async def config() -> RtcConfigOut:
        """ICE (STUN/TURN) servers the client should use; empty on a LAN or loopback."""
        return RtcConfigOut(ice_servers=ice_servers_out(node().config.ice_servers))

    @router.post(
        "/offer",
        response_model=AnswerOut,
        responses={
            400: {"description": "malformed or unusable offer"},
            404: {"description": "no such session"},
        },
    )
    async def offer(body: OfferIn) -> AnswerOut:
        """Answer a WebRTC offer: starts a showroom session, or joins `session_id` to co-browse."""
        if (body.width is None) != (body.height is None):
            raise HTTPException(422, "give both width and height, or neither")
        if body.width is not None and body.height is not None and (body.width % 2 or body.height % 2):
            raise HTTPException(422, "width and height must be even")
        render_node = node()
        try:
            answer = await render_node.offer(
                ViewerOffer(body.sdp, body.session_id, body.width, body.height, body.fps, body.codec)
            )
        except OfferError as exc:
            raise HTTPException(exc.status, exc.reason) from None
        return AnswerOut(
            sdp=answer.sdp,
            session_id=answer.session_id,
            viewer_id=answer.viewer_id,
            codec=answer.codec,
            width=answer.width,
            height=answer.height,
            fps=answer.fps,
            ice_servers=ice_servers_out(render_node.config.ice_servers),
        )

    @router.delete(
        "/sessions/{session_id}", status_code=204, responses={404: {"description": "no such session"}}
    )
    async def end_session(session_id: str) -> Response:
        """End a session and disconnect its viewers."""
        if not await node().end_session(session_id):
            raise HTTPException(404, f"no session {session_id!r}")
        return Response(status_code=204)

    return router
