"""The render node's door to the assistant's brain and to the shop's interaction log.

Ports, as with carts: the composition root hands the node an `AssistantPort` (the brain built
over the shop's catalog in holoshop/) and an `InteractionSink`; render_node never imports the
shop or the way the brain is assembled.
"""

from __future__ import annotations

from typing import Literal, Protocol

from avatar.brain.assistant import Answer

__all__ = ["AssistantPort", "InteractionSink", "ShowroomInteraction"]

ShowroomInteraction = Literal["view", "inspect"]


class AssistantPort(Protocol):
    """Synchronous and CPU-bound (embeddings): the session calls it from a worker thread."""

    def ask(self, text: str, session_key: str | None = None, *, focused: str | None = None) -> Answer: ...


class InteractionSink(Protocol):
    """Where the showroom reports what shoppers look at, for the recommender to learn from."""

    async def record(self, subject: str, product_id: str, kind: ShowroomInteraction) -> None: ...
