"""The assistant inside one session: its answers to every viewer, its voice, its figure in the picture.

Questions run one at a time per session (a second one waits its turn; more than a few waiting
get "busy"), off the event loop: the brain's embeddings and the voice's synthesis are CPU work in
worker threads. Every viewer of a co-browsed session sees the same answer, hears the same voice
(one speech timeline that every viewer's audio track reads) and sees the same figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from avatar.brain.assistant import Answer
from avatar.character.animator import Animator
from avatar.character.placement import home, spot_beside
from avatar.voice.base_voice import Utterance, Voice
from render_node.assistant_port import AssistantPort
from render_node.messages import MAX_PRODUCTS_SAID, AssistantMessage, ErrorMessage
from render_node.speech_audio import Playback, SpeechTimeline
from scenes.actions import Action, FocusProduct, SelectVariant
from scenes.graph import FigureNode
from scenes.layout import Layout

__all__ = ["MAX_WAITING_QUESTIONS", "AnsweredQuestion", "SessionAssistant"]

log = logging.getLogger(__name__)

MAX_WAITING_QUESTIONS = 3


@dataclass(frozen=True)
class AnsweredQuestion:
    answer: Answer
    playback: Playback | None  # None: no voice, or the voice failed (the words were still sent)
    asked_at: float  # time.monotonic() when the question arrived


class SessionAssistant:
    def __init__(
        self,
        port: AssistantPort,
        voice: Voice | None,
        session_key: str,
        layout: Layout,
        product_heights: dict[str, float],
        *,
        broadcast: Callable[[AssistantMessage], None],
        others: Callable[[str, AssistantMessage], None],
        reply: Callable[[str | None, ErrorMessage | AssistantMessage], None],
        act: Callable[[list[Action]], None],
        add_to_cart: Callable[[str, int, str | None], None],
    ) -> None:
        self._port = port
        self._voice = voice
        self._key = session_key
        self._layout = layout
        self._ids = list(product_heights)
        self._heights = product_heights
        self._broadcast = broadcast
        self._others = others
        self._reply = reply
        self._act = act
        self._add = add_to_cart
        self.timeline = SpeechTimeline()
        spot, facing = home(layout, len(self._ids))
        self.animator = Animator(spot, facing)
        self._lock = asyncio.Lock()  # one question at a time; the others wait in their tasks
        self._tasks: set[asyncio.Task[None]] = set()
        self.answered: deque[AnsweredQuestion] = deque(maxlen=16)  # newest last: for tests and benchmarks

    def ask(self, text: str, viewer_id: str | None, focused: str | None) -> None:
        """Answer in a task of its own; the caller (the data channel's handler) never waits."""
        if len(self._tasks) >= MAX_WAITING_QUESTIONS:
            self._reply(viewer_id, ErrorMessage(code="busy", message="One moment, I'm still answering"))
            return
        task = asyncio.create_task(self._answer(text, viewer_id, focused, time.monotonic()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def listening(self, active: bool) -> None:
        self.animator.listen(active)

    def figure(self, dt: float, now: float) -> FigureNode:
        """The figure's pose for the frame shown at `now` (time.monotonic()): lips follow the voice."""
        return self.animator.update(dt, self.timeline.mouth(now))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _answer(self, text: str, viewer_id: str | None, focused: str | None, asked_at: float) -> None:
        async with self._lock:
            try:
                answer = await asyncio.to_thread(self._port.ask, text, self._key, focused=focused)
            except Exception:
                log.exception("session %s: the assistant failed on %r", self._key[:8], text[:80])
                self._reply(
                    viewer_id, ErrorMessage(code="unavailable", message="The assistant is unavailable")
                )
                return
            utterance = await self._speak(answer.reply)
            playback = self.timeline.play(utterance, interrupt=True) if utterance is not None else None
            said = AssistantMessage(
                reply=answer.reply,
                products=answer.products[:MAX_PRODUCTS_SAID],
                intent=answer.intent.value,
                speech_s=utterance.duration_s if utterance is not None else None,
                speaking=utterance is not None,
            )
            if answer.navigate is None or viewer_id is None:
                self._broadcast(said)
            else:  # the asker's page opens the cart; co-browsers only hear the words
                self._others(viewer_id, said)
                self._reply(viewer_id, said.model_copy(update={"navigate": answer.navigate}))
            self._apply(answer, viewer_id)
            self.answered.append(AnsweredQuestion(answer, playback, asked_at))

    async def _speak(self, text: str) -> Utterance | None:
        if self._voice is None or not text:
            return None
        try:
            return await asyncio.to_thread(self._voice.speak, text)
        except Exception:  # a voice that fails costs the sound, never the answer
            log.exception("session %s: speech synthesis failed", self._key[:8])
            return None

    def _apply(self, answer: Answer, viewer_id: str | None) -> None:
        actions: list[Action] = []
        if answer.focus is not None and answer.focus in self._heights:
            actions.append(FocusProduct(answer.focus))
            if answer.variant is not None:
                actions.append(SelectVariant(answer.variant))
            index = self._ids.index(answer.focus)
            spot, facing = spot_beside(self._layout, index, len(self._ids))
            self.animator.move_to(spot, facing)
            self.animator.point_at(self._anchor(index))
        else:
            self.animator.point_at(None)
        if actions:
            self._act(actions)
        if answer.add_to_cart is not None:
            product_id, variant = answer.add_to_cart
            self._add(product_id, variant, viewer_id)

    def _anchor(self, index: int) -> np.ndarray:
        """The middle of a product on its plinth: where the figure points."""
        pose = self._layout.slot(index, len(self._ids))
        height = self._heights[self._ids[index]]
        y = self._layout.plinth.height + height * 0.5
        return np.array([pose.x, y, pose.z], np.float32)
