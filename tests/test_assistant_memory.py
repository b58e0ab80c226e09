"""Conversation memory: follow-ups resolve against what was shown, and memory stays bounded."""

from __future__ import annotations

import threading

from avatar.brain.base_search import ProductFilter
from avatar.brain.intents import Entities, Intent, Reference
from avatar.brain.memory import ConversationMemory, Memories
from tests.assistant_helpers import demo_snapshot

CATALOG = demo_snapshot()
CHAIR, SOFA, LAMP, MUG = (
    "oslo-lounge-chair",
    "haven-three-seat-sofa",
    "luma-floor-lamp",
    "kaffe-stoneware-mug",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def shown(*products: str, focus: str | None = None) -> ConversationMemory:
    memory = ConversationMemory()
    memory.remember("lamps and chairs", Intent.SEARCH, products, focus=focus or products[0])
    return memory


def test_references_resolve_against_the_last_results() -> None:
    memory = shown(SOFA, LAMP, CHAIR, MUG)

    def resolve(ref: Reference) -> tuple[str, ...]:
        return memory.resolve(Entities(reference=ref), CATALOG)

    assert resolve("cheaper") == (MUG,)  # €18, the cheapest shown
    assert resolve("pricier") == (SOFA,)
    assert resolve("first") == (SOFA,)
    assert resolve("second") == (LAMP,)
    assert resolve("third") == (CHAIR,)
    assert resolve("last") == (MUG,)
    assert resolve("this") == (SOFA,)  # the focus


def test_named_products_win_and_the_showroom_focus_beats_the_remembered_one() -> None:
    memory = shown(SOFA, LAMP)
    assert memory.resolve(Entities(products=(MUG,), reference="this"), CATALOG) == (MUG,)
    assert memory.resolve(Entities(reference="this"), CATALOG, focused=CHAIR) == (CHAIR,)
    assert memory.context(focused=CHAIR).focused == CHAIR
    assert memory.context().focused == SOFA


def test_out_of_range_and_unknown_references_resolve_to_nothing() -> None:
    memory = shown(SOFA, LAMP)
    assert memory.resolve(Entities(reference="third"), CATALOG) == ()
    assert ConversationMemory().resolve(Entities(reference="cheaper"), CATALOG) == ()
    assert ConversationMemory().resolve(Entities(), CATALOG) == ()
    gone = shown("a-product-since-deleted")
    assert gone.resolve(Entities(reference="first"), CATALOG) == ()


def test_picking_one_of_the_results_keeps_the_list_and_remembers_the_colourway() -> None:
    memory = shown(SOFA, LAMP, CHAIR)
    memory.remember("the cheaper one", Intent.SEARCH, (LAMP,), focus=LAMP, picked=True)
    assert tuple(memory.results) == (SOFA, LAMP, CHAIR)
    assert memory.focused == LAMP
    memory.remember("in black", Intent.SHOW_VARIANT, (LAMP,), focus=LAMP, variant=1, picked=True)
    assert memory.variants[LAMP] == 1
    memory.remember("under 100", Intent.FILTER, (LAMP,), focus=LAMP)
    assert tuple(memory.results) == (LAMP,)  # a narrower search replaces the list, even with a shown product
    memory.remember("show me the mug", Intent.SEARCH, (MUG,), focus=MUG, picked=True)
    assert tuple(memory.results) == (MUG,)  # not one of those shown
    memory.remember("thanks", Intent.SMALL_TALK, ())
    assert tuple(memory.results) == (MUG,) and memory.last_intent is Intent.SMALL_TALK


def test_turns_and_filter_are_kept_within_bounds() -> None:
    memory = ConversationMemory(max_turns=3)
    flt = ProductFilter(categories=("Lighting",), max_price_minor=30000)
    for i in range(10):
        memory.remember(f"question {i}", Intent.FILTER, (LAMP,), flt=flt)
    assert [t.text for t in memory.turns] == ["question 7", "question 8", "question 9"]
    assert memory.last_filter == flt
    memory.remember("x" * 5000, Intent.UNKNOWN, ())
    assert len(memory.turns[-1].text) == 200


def test_memory_expires_after_its_time_to_live() -> None:
    clock = Clock()
    memories = Memories(ttl_s=900, clock=clock)
    memory = memories.get("s1")
    memory.remember("lamps", Intent.SEARCH, (LAMP,), focus=LAMP)
    clock.now += 899
    assert memories.get("s1") is memory and memory.context().focused == LAMP
    clock.now += 901
    fresh = memories.get("s1")
    assert fresh is not memory and fresh.results == () and fresh.context().focused is None


def test_sessions_are_bounded_least_recently_used_first() -> None:
    memories = Memories(max_sessions=3)
    first = memories.get("a")
    memories.get("b")
    memories.get("c")
    assert memories.get("a") is first  # touched again: now the most recent
    memories.get("d")
    assert len(memories) == 3 and "b" not in memories and "a" in memories
    memories.drop("a")
    assert "a" not in memories and len(memories) == 2


def test_many_threads_share_the_store_safely() -> None:
    memories = Memories(max_sessions=50)

    def work(n: int) -> None:
        for i in range(200):
            memory = memories.get(f"s{(n * 7 + i) % 80}")
            with memory.lock:
                memory.remember("q", Intent.SEARCH, (LAMP,), focus=LAMP)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memories) == 50
