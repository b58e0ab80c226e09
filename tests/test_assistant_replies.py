"""Replies read like speech: real names, prices from minor units, stock, short plain sentences."""

from __future__ import annotations

import re

import pytest

from avatar.brain import replies
from avatar.brain.catalog import CatalogItem
from tests.assistant_helpers import demo_snapshot

CATALOG = demo_snapshot({"oslo-lounge-chair": (4, 0, 2), "luma-floor-lamp": (1, 0), "kaffe-stoneware-mug": 0})


def item(pid: str) -> CatalogItem:
    found = CATALOG.get(pid)
    assert found is not None
    return found


CHAIR, SOFA, LAMP = item("oslo-lounge-chair"), item("haven-three-seat-sofa"), item("luma-floor-lamp")
BOTTLE, MUG, VASE = item("alpine-insulated-bottle"), item("kaffe-stoneware-mug"), item("dune-ceramic-vase")


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(64900, "EUR", "€649"), (3490, "EUR", "€34.90"), (189000, "EUR", "€1,890"), (5, "EUR", "€0.05"),
     (1800, "GBP", "£18"), (1999, "USD", "$19.99"), (12345, "SEK", "123.45 SEK"), (0, "EUR", "€0")],
)  # fmt: skip
def test_price_from_minor_units(minor: int, currency: str, text: str) -> None:
    assert replies.price(minor, currency) == text


def test_stock_phrases() -> None:
    assert replies.stock_phrase(SOFA) == "in stock"
    assert replies.stock_phrase(MUG) == "out of stock"
    assert replies.stock_phrase(LAMP) == "only 1 left"
    assert replies.stock_phrase(CHAIR) == "in stock, though not in Forest"
    assert replies.stock_phrase(CHAIR, 1) == "out of stock in Forest"
    assert replies.stock_phrase(CHAIR, 2) == "only 2 left in Rust"
    assert replies.stock_phrase(CHAIR, 0) == "in stock in Sand"


def test_found_names_products_with_prices_and_counts() -> None:
    text = replies.found([LAMP, BOTTLE, VASE, SOFA], "lamps")
    for name in ("Luma Floor Lamp", "€289", "Alpine Insulated Bottle", "€34.90", "Dune Ceramic Vase", "€79"):
        assert name in text
    assert "1 more" in text or "4 options" in text
    assert "only 1 left" in text


def test_nothing_found_offers_the_closest_product() -> None:
    text = replies.nothing_found("chair under 500", what="in furniture", why="under €500", closest=CHAIR)
    assert "under €500" in text and "Oslo Lounge Chair" in text and "€649" in text
    assert "lamp under 300" in replies.nothing_found("zzz") or "lighting" in replies.nothing_found("zzz")


def test_variant_stock_and_cart_replies() -> None:
    assert "Forest" in replies.variant_shown(CHAIR, 1, "in forest")
    assert "out of stock in Forest" in replies.variant_shown(CHAIR, 1, "in forest")
    sold_out = replies.cant_add(CHAIR, 1, "add it")
    assert "Forest" in sold_out and "Sand or Rust" in sold_out
    added = replies.added(SOFA, 2, 1, "add it")
    assert "Haven Three-Seat Sofa" in added and "Ochre Velvet" in added and "€1,890" in added
    assert "€69.80" in replies.added(BOTTLE, 0, 2, "add two bottles")
    assert re.search(r"Oatmeal, Slate (and|or) Ochre Velvet", replies.colourways(SOFA, "colours"))
    assert "Forest is out of stock" in replies.colourways(CHAIR, "which colours")
    no_pink = replies.no_colour(SOFA, "pink", "the sofa in pink")
    assert "pink" in no_pink and "Oatmeal, Slate and Ochre Velvet" in no_pink


def test_compare_contrasts_price_and_stock() -> None:
    text = replies.compare([CHAIR, SOFA], "compare")
    assert "€649" in text and "€1,890" in text and "€1,241" in text
    text = replies.compare([LAMP, SOFA], "compare lamp and sofa")
    assert "only 1 left" in text
    three = replies.compare([SOFA, MUG, LAMP], "compare all")
    assert three.index("Kaffe") < three.index("Luma") < three.index("Haven")  # from cheapest


def test_recommendations_name_the_anchor_and_the_picks() -> None:
    text = replies.recommended([LAMP], [SOFA, VASE], "what goes with this lamp", similar=False)
    assert "Luma Floor Lamp" in text and "Haven Three-Seat Sofa" in text and "€79" in text


def test_phrasing_is_deterministic_per_question_and_varies_across_questions() -> None:
    questions = [f"lamps please {i}" for i in range(30)]
    first = [replies.found([LAMP, VASE], q) for q in questions]
    assert first == [replies.found([LAMP, VASE], q) for q in questions]
    assert len(set(first)) >= 2
    assert len({replies.small_talk("greeting", q) for q in questions}) >= 2


def test_help_fallback_and_small_talk() -> None:
    assert any("lamp under 300" in replies.fallback(f"q{i}") for i in range(10))
    assert "compare" in replies.help_text("help")
    thanks = {replies.small_talk("thanks", f"thanks {i}") for i in range(20)}
    greetings = {replies.small_talk("greeting", f"hi {i}") for i in range(20)}
    assert thanks and greetings and not thanks & greetings
    assert "assistant" in replies.small_talk("identity", "who are you")


def test_replies_are_plain_and_short() -> None:
    many = [item(i.id) for i in CATALOG.items]
    texts = [
        replies.found(many, "everything"),
        replies.compare(many, "compare everything"),
        replies.recommended(many, many, "what goes", similar=False),
        replies.help_text("help"),
        replies.focus(CHAIR, "chair"),
        replies.colourways(item("stride-runner-sneaker"), "colours"),
        replies.nothing_found("x" * 400, what="in " + "furniture " * 40, closest=CHAIR),
    ]
    for text in texts:
        assert len(text) <= replies.MAX_REPLY
        assert not re.search(r"[*_#`\[\]]|\n|  ", text), text
        assert text.rstrip()[-1] in ".?!", text
