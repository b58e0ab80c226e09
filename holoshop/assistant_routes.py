"""`POST /api/assistant/ask`: the assistant without video, for search boxes, chat widgets and tests."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from commerce_api.schema_base import RequestModel
from render_node.assistant_port import AssistantPort

__all__ = ["AskReply", "AskRequest", "assistant_router"]


class AskRequest(RequestModel):
    text: str = Field(min_length=1, max_length=500, description="what the shopper typed or said")
    session_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="keeps a short conversation memory ('the cheaper one'); any id the client chooses",
    )
    focused: str | None = Field(
        None, max_length=120, pattern=r"^[a-z0-9-]+$", description="the product the shopper is looking at"
    )


class AskReply(BaseModel):
    reply: str
    products: list[str] = Field(description="product ids, most relevant first")
    intent: str


def assistant_router(assistant: AssistantPort) -> APIRouter:
    router = APIRouter(prefix="/api/assistant", tags=["assistant"])

    @router.post("/ask", response_model=AskReply)
    async def ask(body: AskRequest) -> AskReply:
        """Words and products for a question: the brain the showroom's character speaks with."""
        answer = await run_in_threadpool(assistant.ask, body.text, body.session_id, focused=body.focused)
        return AskReply(reply=answer.reply, products=list(answer.products), intent=answer.intent.value)

    return router
