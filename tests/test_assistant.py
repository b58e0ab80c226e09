"""Conversations with the assistant over the demo catalog, with in-memory search and recommendations."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from avatar.brain.assistant import Answer, Assistant
from avatar.brain.base_search import Hit, ProductFilter
from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo
from avatar.brain.intents import Intent
from avatar.brain.replies import MAX_REPLY
from tests.assistant_helpers import OverlapRecommender, TokenSearch, demo_snapshot

CHAIR, SOFA, TABLE, LAMP = (
    "oslo-lounge-chair",
    "haven-three-seat-sofa",
    "fjord-dining-table",
    "luma-floor-lamp",
)
MUG, SNEAKER, HEADPHONES, SPEAKER = (
    "kaffe-stoneware-mug", "stride-runner-sneaker", "aria-wireless-headphones", "bloc-portable-speaker",
)  # fmt: skip
STOCK: dict[str, int | tuple[int, ...]] = {
    CHAIR: (4, 0, 3),
    LAMP: (1, 6),
    MUG: 2,
}  # Oslo: none in Forest; one brass lamp; two mugs


def make(catalog: CatalogSnapshot | None = None) -> tuple[Assistant, TokenSearch]:
    catalog = catalog or demo_snapshot(STOCK)
    search = TokenSearch(catalog)
    return Assistant(catalog, search, OverlapRecommender(catalog)), search


def talk(assistant: Assistant, *lines: str, session: str = "s1") -> list[Answer]:
    answers = [assistant.ask(line, session) for line in lines]
    for answer in answers:
        assert answer.reply and len(answer.reply) <= MAX_REPLY
    return answers


def test_the_issue_conversation() -> None:
    """Nothing comfy under €500, a bigger budget, the cheaper one, in rust, into the cart."""
    assistant, _ = make()
    sit, wider, cheaper, rust, add = talk(
        assistant,
        "something comfy to sit on under 500",
        "what about under 2000?",
        "the cheaper one",
        "in rust",
        "add it to my cart",
    )
    assert sit.intent is Intent.SEARCH and sit.entities.max_price_minor == 50000
    assert sit.products == (CHAIR,) and "under €500" in sit.reply and "€649" in sit.reply
    assert wider.intent is Intent.FILTER and set(wider.products) == {CHAIR, SOFA, TABLE}
    assert cheaper.focus == CHAIR and "Oslo Lounge Chair" in cheaper.reply
    assert (rust.intent, rust.focus, rust.variant) == (Intent.SHOW_VARIANT, CHAIR, 2)
    assert "Rust" in rust.reply and "only 3 left" in rust.reply
    assert add.add_to_cart == (CHAIR, 2) and add.quantity == 1 and "Rust" in add.reply


def test_sold_out_colourway_is_not_added() -> None:
    assistant, _ = make()
    shown, add = talk(assistant, "show me the oslo chair in forest", "add it to my cart")
    assert (shown.focus, shown.variant) == (CHAIR, 1) and "out of stock" in shown.reply
    assert add.intent is Intent.ADD_TO_CART and add.add_to_cart is None
    assert "Forest" in add.reply and "Sand or Rust" in add.reply


def test_adding_without_a_colour_takes_one_in_stock_and_respects_quantity() -> None:
    catalog = demo_snapshot({**STOCK, CHAIR: (0, 0, 3)})
    assistant, _ = make(catalog)
    (add,) = talk(assistant, "buy the chair")
    assert add.add_to_cart == (CHAIR, 2)  # Sand and Forest are sold out
    two, five = talk(assistant, "add 2 mugs to my basket", "add 5 mugs to the cart", session="s2")
    assert two.add_to_cart == (MUG, 0) and two.quantity == 2 and "€36" in two.reply
    assert five.add_to_cart is None and "only 2" in five.reply


def test_show_the_shoe_in_blue_finds_the_blue_colourway() -> None:
    assistant, _ = make()
    (answer,) = talk(assistant, "show me the shoe in blue")
    assert (answer.focus, answer.variant) == (SNEAKER, 1)
    assert "Stride Runner Sneaker" in answer.reply and "Midnight" in answer.reply and "€129" in answer.reply
    (pink,) = talk(assistant, "the sofa in pink")
    assert pink.variant is None and "pink" in pink.reply and "Oatmeal" in pink.reply


def test_compare_then_pick_the_cheaper() -> None:
    assistant, _ = make()
    compared, picked, colours = talk(
        assistant, "compare the chair and the sofa", "the cheaper one", "what colours does it come in?"
    )
    assert compared.intent is Intent.COMPARE and compared.products == (CHAIR, SOFA)
    assert "€649" in compared.reply and "€1,890" in compared.reply and "€1,241" in compared.reply
    assert picked.focus == CHAIR
    assert colours.intent is Intent.SHOW_VARIANT and "Sand, Forest" in colours.reply


def test_compare_it_with_something_else_uses_the_focus() -> None:
    assistant, _ = make()
    answer = assistant.ask("compare it with the sofa", "s1", focused=LAMP)
    assert answer.intent is Intent.COMPARE and set(answer.products) == {LAMP, SOFA}
    assert "only 1 left" in answer.reply or "in stock" in answer.reply


def test_what_goes_with_this_uses_the_showroom_focus() -> None:
    catalog = demo_snapshot(STOCK)
    calls: list[tuple[str, ...]] = []

    class Recording(OverlapRecommender):
        def related(self, product_ids, *, limit=5, exclude=()):  # type: ignore[no-untyped-def]
            calls.append(tuple(product_ids))
            return super().related(product_ids, limit=limit, exclude=exclude)

    assistant = Assistant(catalog, TokenSearch(catalog), Recording(catalog))
    answer = assistant.ask("what goes with this?", "s1", focused=LAMP)
    assert answer.intent is Intent.RECOMMEND and calls == [(LAMP,)]
    assert answer.products and LAMP not in answer.products and len(answer.products) <= 3
    assert "Luma Floor Lamp" in answer.reply
    first = catalog.get(answer.products[0])
    assert first is not None and first.name in answer.reply
    named = assistant.ask("what goes with the sofa under 100?", "s1")
    assert calls[-1] == (SOFA,)
    assert all(p.price_minor <= 10000 for pid in named.products if (p := catalog.get(pid)))


def test_similar_uses_content_search() -> None:
    assistant, search = make()
    answer = assistant.ask("show me something similar to the speaker", "s1")
    assert answer.intent is Intent.RECOMMEND and SPEAKER not in answer.products
    assert answer.products and answer.products[0] == search.similar(SPEAKER)[0].product_id


def test_follow_up_filter_narrows_the_last_search() -> None:
    assistant, search = make()
    audio, narrowed = talk(assistant, "headphones", "under 200")
    assert audio.entities.categories == ("Audio",) and HEADPHONES in audio.products
    assert narrowed.intent is Intent.FILTER and narrowed.products == (SPEAKER,)
    assert search.calls[-1][1] == ProductFilter(categories=("Audio",), max_price_minor=20000)
    (cheaper,) = talk(assistant, "anything cheaper?")
    assert search.calls[-2][1] == ProductFilter(categories=("Audio",), max_price_minor=14899)
    assert "under €149" in cheaper.reply and cheaper.products == (SPEAKER,)  # the closest instead


def test_colour_search_expands_to_catalog_colourways() -> None:
    assistant, search = make()
    (answer,) = talk(assistant, "anything in blue?")
    flt = search.calls[0][1]
    assert {"Midnight", "Sky"} <= set(flt.colours)
    assert set(answer.products) >= {SNEAKER, "bloc-portable-speaker", "alpine-insulated-bottle"}


def test_cart_checkout_help_small_talk_and_fallback() -> None:
    assistant, _ = make()
    cart, checkout, helped, hello, thanks, junk = talk(
        assistant, "what's in my cart?", "take me to checkout", "what can you do", "hi", "thanks", "🙂 asdfgh"
    )
    assert (cart.navigate, checkout.navigate) == ("cart", "checkout")
    assert helped.intent is Intent.HELP and "compare" in helped.reply
    assert hello.intent is Intent.SMALL_TALK and thanks.intent is Intent.SMALL_TALK
    assert junk.intent is Intent.UNKNOWN and junk.products == () and junk.navigate is None


def test_references_need_something_to_refer_to() -> None:
    assistant, _ = make()
    add, second = talk(assistant, "add it to my cart", "the second one")
    assert add.add_to_cart is None and add.focus is None and "which" in add.reply.casefold()
    assert second.focus is None


def test_sessions_are_separate_and_no_session_remembers_nothing() -> None:
    assistant, _ = make()
    talk(assistant, "show me the sofa", session="a")
    other = assistant.ask("add it to my cart", "b")
    assert other.add_to_cart is None
    mine = assistant.ask("add it to my cart", "a")
    assert mine.add_to_cart == (SOFA, 0)
    assistant.ask("show me the sofa")
    assert assistant.ask("add it to my cart").add_to_cart is None


def test_set_catalog_rebuilds_the_lexicon_and_stock() -> None:
    assistant, _ = make()
    catalog = demo_snapshot(STOCK)
    kettle = CatalogItem(
        "zen-kettle", "Zen Kettle", "Kitchen", "A quiet electric kettle.", "EUR",
        (VariantInfo("Pistachio", 5900, 3),),
    )  # fmt: skip
    before = assistant.ask("show me the zen kettle", "s1")
    assert "zen-kettle" not in before.products
    sold_out = tuple(
        replace(i, variants=tuple(replace(v, stock=0) for v in i.variants)) for i in catalog.items
    )
    assistant.set_catalog(CatalogSnapshot((*sold_out, kettle)))
    after = assistant.ask("show me the zen kettle", "s1")
    assert after.focus == "zen-kettle" and "€59" in after.reply
    assert assistant.ask("buy the chair", "s2").add_to_cart is None


def test_a_failing_search_still_answers() -> None:
    catalog = demo_snapshot()

    class Broken(TokenSearch):
        def search(self, query: str, flt: ProductFilter = ProductFilter(), *, limit: int = 5) -> list[Hit]:  # noqa: B008
            raise RuntimeError("index unavailable")

    assistant = Assistant(catalog, Broken(catalog), OverlapRecommender(catalog))
    answer = assistant.ask("lamps under 300", "s1")
    assert "Sorry" in answer.reply and answer.products == ()
    assert assistant.ask("hi", "s1").intent is Intent.SMALL_TALK


def test_unknown_focus_is_ignored() -> None:
    assistant, _ = make()
    answer = assistant.ask("add this to my cart", "s1", focused="no-such-product")
    assert answer.add_to_cart is None


@pytest.mark.parametrize("text", ["", "x" * 100_000, "\x00", "under under under", "€", "compare", "in"])
def test_odd_input_answers_politely(text: str) -> None:
    assistant, _ = make()
    answer = assistant.ask(text, "s1")
    assert answer.reply and len(answer.reply) <= MAX_REPLY


def test_concurrent_sessions() -> None:
    assistant, _ = make()
    errors: list[BaseException] = []
    script = [
        "lamps under 300",
        "in black",
        "add it to my cart",
        "compare the chair and the sofa",
        "the cheaper one",
    ]

    def shopper(n: int) -> None:
        try:
            for _ in range(10):
                answers = [assistant.ask(line, f"shopper-{n}") for line in script]
                assert answers[2].add_to_cart == (LAMP, 1)
                assert answers[4].focus == CHAIR
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
