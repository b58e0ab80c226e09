"""Intents and entities of a varied phrase set over the demo catalog, and junk that must not break."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from avatar.brain.intents import Entities, Intent, IntentParser, ParseContext
from tests.assistant_helpers import demo_snapshot

CHAIR, SOFA, TABLE = "oslo-lounge-chair", "haven-three-seat-sofa", "fjord-dining-table"
LAMP, VASE, BOTTLE, MUG = (
    "luma-floor-lamp",
    "dune-ceramic-vase",
    "alpine-insulated-bottle",
    "kaffe-stoneware-mug",
)
HEADPHONES, SPEAKER, SNEAKER = "aria-wireless-headphones", "bloc-portable-speaker", "stride-runner-sneaker"

# With something in view, "in red" and "the cheaper one" have something to refer to.
SHOWING = ParseContext(focused=LAMP, results=(LAMP, CHAIR))
NOTHING = ParseContext()

CASES: list[tuple[str, ParseContext, Intent, dict[str, Any]]] = [
    # search: categories, price bounds in major units, open words for semantic search
    ("something comfy to sit on under 500", NOTHING, Intent.SEARCH,
     {"categories": ("Furniture",), "max_price_minor": 50000, "query": "comfy sit"}),
    ("a lamp under 300", NOTHING, Intent.SEARCH, {"categories": ("Lighting",), "max_price_minor": 30000}),
    ("lamps below €200", NOTHING, Intent.SEARCH, {"categories": ("Lighting",), "max_price_minor": 20000}),
    ("a lamp for less than 80 euros", NOTHING, Intent.SEARCH, {"max_price_minor": 8000}),
    ("headphones over 50", NOTHING, Intent.SEARCH, {"categories": ("Audio",), "min_price_minor": 5000}),
    ("show me trainers", NOTHING, Intent.SEARCH, {"categories": ("Footwear",), "products": ()}),
    ("do you have any couches?", NOTHING, Intent.SEARCH, {"categories": ("Furniture",)}),
    ("a couch under 2k", NOTHING, Intent.SEARCH, {"categories": ("Furniture",), "max_price_minor": 200000}),
    ("something to keep drinks cold", NOTHING, Intent.SEARCH, {"categories": ("Kitchen",)}),
    ("i need something to listen to music", NOTHING, Intent.SEARCH, {"categories": ("Audio",)}),
    ("i want to buy a lamp under 300", NOTHING, Intent.SEARCH,
     {"categories": ("Lighting",), "max_price_minor": 30000, "products": ()}),
    ("show me grey sofas", NOTHING, Intent.SEARCH, {"colours": ("grey",), "categories": ("Furniture",)}),
    ("gray furniture", NOTHING, Intent.SEARCH, {"colours": ("grey",), "categories": ("Furniture",)}),
    ("a gift under fifty euros", NOTHING, Intent.SEARCH, {"max_price_minor": 5000, "query": "gift"}),
    ("decor between 50 and 100 euro", NOTHING, Intent.SEARCH,
     {"categories": ("Decor",), "min_price_minor": 5000, "max_price_minor": 10000}),
    ("mugs for about €20", NOTHING, Intent.SEARCH, {"min_price_minor": 1600, "max_price_minor": 2400}),
    ("speakers under five hundred", NOTHING, Intent.SEARCH, {"max_price_minor": 50000}),
    ("a table under a grand", NOTHING, Intent.SEARCH,
     {"categories": ("Furniture",), "max_price_minor": 100000}),
    ("a bottle for €34.90 or less", NOTHING, Intent.SEARCH, {"max_price_minor": 3490}),
    ("sofa under 1,500", NOTHING, Intent.SEARCH, {"max_price_minor": 150000}),
    ("cheap lamps", NOTHING, Intent.SEARCH, {"categories": ("Lighting",), "reference": "cheaper"}),
    # naming products: by their own words, by a noun with "the/this/that", with typos
    ("show me the oslo chair", NOTHING, Intent.SEARCH, {"products": (CHAIR,)}),
    ("tell me about the haven sofa", NOTHING, Intent.SEARCH, {"products": (SOFA,)}),
    ("the floor lamp", NOTHING, Intent.SEARCH, {"products": (LAMP,)}),
    ("show me the hedphones", NOTHING, Intent.SEARCH, {"products": (HEADPHONES,)}),
    ("how much is the aria", NOTHING, Intent.SEARCH, {"products": (HEADPHONES,)}),
    ("is the dining table in stock?", NOTHING, Intent.SEARCH, {"products": (TABLE,)}),
    ("the second one", SHOWING, Intent.SEARCH, {"reference": "second", "products": ()}),
    ("number 1 please", SHOWING, Intent.SEARCH, {"reference": "first"}),
    ("the last one", SHOWING, Intent.SEARCH, {"reference": "last"}),
    ("the cheaper one", SHOWING, Intent.SEARCH, {"reference": "cheaper"}),
    ("the more expensive one", SHOWING, Intent.SEARCH, {"reference": "pricier"}),
    ("tell me more about this one", SHOWING, Intent.SEARCH, {"reference": "this"}),
    # filter: constraints alone narrow what is shown
    ("under 500", SHOWING, Intent.FILTER, {"max_price_minor": 50000, "query": ""}),
    ("between 100 and 300", NOTHING, Intent.FILTER, {"min_price_minor": 10000, "max_price_minor": 30000}),
    ("cheaper than 1000", NOTHING, Intent.FILTER, {"max_price_minor": 100000}),
    ("500 or less", NOTHING, Intent.FILTER, {"max_price_minor": 50000}),
    ("€100 - €250", NOTHING, Intent.FILTER, {"min_price_minor": 10000, "max_price_minor": 25000}),
    ("at least 200", NOTHING, Intent.FILTER, {"min_price_minor": 20000}),
    ("only furniture", SHOWING, Intent.FILTER, {"categories": ("Furniture",)}),
    ("anything cheaper?", SHOWING, Intent.FILTER, {"reference": "cheaper"}),
    ("in blue", NOTHING, Intent.FILTER, {"colours": ("blue",)}),
    ("cheaper than the sofa", NOTHING, Intent.FILTER, {"max_price_minor": 188999, "products": ()}),
    # show a colourway: a product, a reference or what is in view, and a colour
    ("show me the shoe in blue", NOTHING, Intent.SHOW_VARIANT,
     {"products": (SNEAKER,), "colours": ("blue",)}),
    ("in red", SHOWING, Intent.SHOW_VARIANT, {"colours": ("red",), "products": ()}),
    ("do you have it in black?", SHOWING, Intent.SHOW_VARIANT, {"colours": ("black",), "reference": "this"}),
    ("oslo chair in forest", NOTHING, Intent.SHOW_VARIANT, {"products": (CHAIR,), "colours": ("forest",)}),
    ("the sofa in ochre velvet", NOTHING, Intent.SHOW_VARIANT,
     {"products": (SOFA,), "colours": ("ochre velvet",)}),
    ("what colours does the speaker come in", NOTHING, Intent.SHOW_VARIANT,
     {"products": (SPEAKER,), "colours": ()}),
    ("which colors does it come in?", SHOWING, Intent.SHOW_VARIANT, {"reference": "this"}),
    ("the lamp in matte black", NOTHING, Intent.SHOW_VARIANT,
     {"products": (LAMP,), "colours": ("matte black",)}),
    # add to cart, with quantities
    ("add it to my cart", SHOWING, Intent.ADD_TO_CART, {"reference": "this", "quantity": None}),
    ("add 2 mugs to my basket", NOTHING, Intent.ADD_TO_CART, {"products": (MUG,), "quantity": 2}),
    ("buy the chair", NOTHING, Intent.ADD_TO_CART, {"products": (CHAIR,)}),
    ("i'll take the headphones in silver", NOTHING, Intent.ADD_TO_CART,
     {"products": (HEADPHONES,), "colours": ("silver",)}),
    ("put three of them in the basket", SHOWING, Intent.ADD_TO_CART, {"quantity": 3}),
    ("add a couple of bottles to the cart", NOTHING, Intent.ADD_TO_CART,
     {"products": (BOTTLE,), "quantity": 2}),
    ("buy it", SHOWING, Intent.ADD_TO_CART, {"reference": "this"}),
    # cart and checkout
    ("what's in my cart", NOTHING, Intent.GO_TO_CART, {}),
    ("show me my basket", NOTHING, Intent.GO_TO_CART, {}),
    ("take me to checkout", NOTHING, Intent.CHECKOUT, {}),
    ("I'm ready to pay", NOTHING, Intent.CHECKOUT, {}),
    ("let's check out", NOTHING, Intent.CHECKOUT, {}),
    ("check out the lamp", NOTHING, Intent.SEARCH, {"products": (LAMP,)}),
    # compare
    ("compare the chair and the sofa", NOTHING, Intent.COMPARE, {"products": (CHAIR, SOFA)}),
    ("headphones vs speaker", NOTHING, Intent.COMPARE, {"products": (HEADPHONES, SPEAKER)}),
    ("what's the difference between the mug and the bottle", NOTHING, Intent.COMPARE,
     {"products": (MUG, BOTTLE)}),
    ("the oslo or the haven?", NOTHING, Intent.COMPARE, {"products": (CHAIR, SOFA)}),
    ("comapre them", SHOWING, Intent.COMPARE, {"products": ()}),
    # recommend
    ("what goes with this lamp?", NOTHING, Intent.RECOMMEND, {"products": (LAMP,)}),
    ("what would go with it", SHOWING, Intent.RECOMMEND, {"reference": "this"}),
    ("something similar to the bottle", NOTHING, Intent.RECOMMEND, {"products": (BOTTLE,)}),
    ("recommend something", NOTHING, Intent.RECOMMEND, {}),
    ("any suggestions?", NOTHING, Intent.RECOMMEND, {}),
    # help, small talk
    ("what can you do", NOTHING, Intent.HELP, {}),
    ("help", NOTHING, Intent.HELP, {}),
    ("how does this work?", NOTHING, Intent.HELP, {}),
    ("hi", NOTHING, Intent.SMALL_TALK, {}),
    ("Hello there!", NOTHING, Intent.SMALL_TALK, {}),
    ("good morning", NOTHING, Intent.SMALL_TALK, {}),
    ("thanks", NOTHING, Intent.SMALL_TALK, {}),
    ("thank you so much", NOTHING, Intent.SMALL_TALK, {}),
    ("who are you?", NOTHING, Intent.SMALL_TALK, {}),
    ("bye", NOTHING, Intent.SMALL_TALK, {}),
    ("hi, show me lamps", NOTHING, Intent.SEARCH, {"categories": ("Lighting",)}),
]  # fmt: skip


@pytest.fixture(scope="module")
def parser() -> IntentParser:
    return IntentParser(demo_snapshot())


@pytest.mark.parametrize(("text", "context", "intent", "expected"), CASES, ids=[c[0] for c in CASES])
def test_phrase(
    parser: IntentParser, text: str, context: ParseContext, intent: Intent, expected: dict[str, Any]
) -> None:
    parsed = parser.parse(text, context)
    assert parsed.intent is intent, parsed
    for name, value in expected.items():
        assert getattr(parsed.entities, name) == value, (name, parsed)
    assert 0.0 < parsed.confidence <= 1.0


def test_phrase_set_covers_every_intent_but_unknown() -> None:
    assert len(CASES) >= 60
    assert {c[2] for c in CASES} == set(Intent) - {Intent.UNKNOWN}


def test_small_talk_kinds(parser: IntentParser) -> None:
    kinds = {
        text: parser.parse(text).detail for text in ("hey", "thanks a lot", "bye now", "are you a robot?")
    }
    assert kinds == {
        "hey": "greeting",
        "thanks a lot": "thanks",
        "bye now": "bye",
        "are you a robot?": "identity",
    }


def test_similar_and_related_recommendations(parser: IntentParser) -> None:
    assert parser.parse("anything like this?", SHOWING).detail == "similar"
    assert parser.parse("what matches the sofa?").detail == "related"


def test_noun_picks_the_product_in_view_or_with_the_colour() -> None:
    """Two products answer to "the lamp": the one in view wins, then the one that has the colour."""
    from dataclasses import replace

    base = demo_snapshot()
    lamp = base.get(LAMP)
    assert lamp is not None
    other = replace(
        lamp, id="arc-desk-lamp", name="Arc Desk Lamp", variants=(replace(lamp.variants[0], name="Red"),)
    )
    parser = IntentParser(type(base)(base.items + (other,)))
    assert parser.parse("show me the lamp", ParseContext(focused="arc-desk-lamp")).entities.products == (
        "arc-desk-lamp",
    )
    assert parser.parse("show me the lamp", ParseContext(focused=LAMP)).entities.products == (LAMP,)
    assert parser.parse("the lamp in red").entities.products == ("arc-desk-lamp",)
    assert parser.parse("the lamp in brass").entities.products == (LAMP,)
    assert set(parser.parse("compare the lamps").entities.products) == {LAMP, "arc-desk-lamp"}


def test_catalog_words_come_from_the_catalog() -> None:
    """A product the lexicon has never seen is understood by its own name, category and colourways."""
    from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo

    kettle = CatalogItem(
        "zen-kettle", "Zen Kettle", "Appliances", "A quiet electric kettle.", "EUR",
        (VariantInfo("Pistachio", 5900, 3), VariantInfo("Cloud White", 5900, 0)),
    )  # fmt: skip
    parser = IntentParser(CatalogSnapshot(demo_snapshot().items + (kettle,)))
    parsed = parser.parse("show me the zen in pistachio")
    assert (parsed.intent, parsed.entities.products, parsed.entities.colours) == (
        Intent.SHOW_VARIANT, ("zen-kettle",), ("pistachio",),
    )  # fmt: skip
    assert parser.parse("appliances under 100").entities.categories == ("Appliances",)
    assert parser.parse("the kettle in cloud white").entities.colours == ("cloud white",)


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "🙂🙂🙂", "asdkjh qwe", "?!?!", "a" * 500, "x" * 10_000, "€€€", "\x00\x01\x02", "ñøß∂ƒ©",
     "12 34 56", "<script>alert(1)</script>", "the the the the", "\n\t\r"],
)  # fmt: skip
def test_junk_is_unknown(parser: IntentParser, junk: str) -> None:
    parsed = parser.parse(junk)
    assert parsed.intent is Intent.UNKNOWN
    assert parsed.confidence < 0.5


def test_random_text_never_raises(parser: IntentParser) -> None:
    rng = random.Random(6)
    alphabet = string.printable + "€£$éü🙂—’“”"
    words = ["under", "500", "the", "lamp", "in", "red", "add", "it", "compare", "and", "€", "cheaper", "one"]
    for _ in range(400):
        if rng.random() < 0.5:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 600)))
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        parsed = parser.parse(text, SHOWING)
        assert isinstance(parsed.entities, Entities)
        assert len(parsed.entities.query) <= 500


def test_names_of_the_shared_real_models() -> None:
    """The glTF models' names (CamelCase, shared words such as "Glass") name the right products."""
    from assets.product import slugify
    from avatar.brain.catalog import CatalogItem, CatalogSnapshot, VariantInfo

    names = {
        "GlamVelvetSofa": "Furniture",
        "Glass Hurricane Candle Holder": "Decor",
        "Glass Vase with Flowers": "Decor",
        "Lamp with Punctual Lights": "Lighting",
        "SheenChair": "Furniture",
        "SunglassesKhronos": "Accessories",
        "Toy Car": "Toys",
        "Water Bottle": "Kitchen",
    }
    real = tuple(
        CatalogItem(slugify(n), n, c, f"{n}, imported.", "EUR", (VariantInfo("", 4900, 3),))
        for n, c in names.items()
    )
    parser = IntentParser(CatalogSnapshot(demo_snapshot().items + real))
    expected = {
        "the glam velvet sofa": ("glam-velvet-sofa",),
        "show me the sunglasses": ("sunglasses-khronos",),
        "the glass vase": ("glass-vase-with-flowers",),
        "the candle holder": ("glass-hurricane-candle-holder",),
        "the lamp with punctual lights": ("lamp-with-punctual-lights",),
        "the sheen chair": ("sheen-chair",),
        "the water bottle": ("water-bottle",),
        "compare the sofas": (SOFA, "glam-velvet-sofa"),
    }
    assert {text: parser.parse(text).entities.products for text in expected} == expected
    assert parser.parse("toys under 60").entities.categories == ("Toys",)
