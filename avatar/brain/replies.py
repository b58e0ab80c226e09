"""The assistant's sentences, composed from real catalog facts: names, prices, stock, colourways.

Replies are spoken by text-to-speech and shown as subtitles, so they are plain sentences (no
markdown, no lists) and short (at most `MAX_REPLY` characters). Each reply has a few phrasings; the
one used is picked from a hash of the question, so the same question gets the same answer (testable)
while different questions do not all sound alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from avatar.brain.catalog import CatalogItem

__all__ = [
    "MAX_REPLY",
    "added",
    "cant_add",
    "choose",
    "colourways",
    "compare",
    "fallback",
    "focus",
    "found",
    "go_to_cart",
    "go_to_checkout",
    "help_text",
    "join",
    "need_product",
    "no_colour",
    "nothing_found",
    "price",
    "recommended",
    "short_stock",
    "small_talk",
    "stock_phrase",
    "variant_shown",
]

MAX_REPLY = 300
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_LOW_STOCK = 3  # at or below this many, say how many are left


def price(minor: int, currency: str = "EUR") -> str:
    """Minor units for speaking and reading: 64900 → "€649", 3490 → "€34.90", 189000 → "€1,890"."""
    whole, cents = divmod(abs(minor), 100)
    amount = f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency.upper()}"


def choose(options: Sequence[str], seed: str) -> str:
    """One phrasing, the same for the same seed (the question), varied across questions."""
    digest = hashlib.sha256(seed.casefold().strip().encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def join(words: Sequence[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _limit(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_REPLY:
        return text
    cut = text[: MAX_REPLY - 1]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: end + 1] if end > 60 else cut[: cut.rfind(" ")].rstrip(",;") + "."


def item_price(item: CatalogItem, variant: int | None = None) -> str:
    if variant is not None and 0 <= variant < len(item.variants):
        return price(item.variants[variant].price_minor, item.currency)
    prices = {v.price_minor for v in item.variants}
    if len(prices) > 1:
        return f"from {price(min(prices), item.currency)}"
    return price(item.price_minor, item.currency)


def _in(colour: str) -> str:
    """ " in Forest", or nothing for a product's lone unnamed variant."""
    return f" in {colour}" if colour else ""


def _scarcity(stock: int) -> str | None:
    """ "out of stock" or "only 2 left"; None when there is plenty."""
    if stock <= 0:
        return "out of stock"
    return f"only {stock} left" if stock <= _LOW_STOCK else None


def stock_phrase(item: CatalogItem, variant: int | None = None) -> str:
    """ "in stock", "only 2 left", "out of stock", "out of stock in Forest" (a clause, no full stop)."""
    if variant is not None and 0 <= variant < len(item.variants):
        v = item.variants[variant]
        return f"{_scarcity(v.stock) or 'in stock'}{_in(v.name)}"
    if (scarce := _scarcity(item.stock)) is not None:
        return scarce
    sold_out = [v.name for v in item.variants if v.stock <= 0 and v.name]
    if sold_out:
        return f"in stock, though not in {join(sold_out, 'or')}"
    return "in stock"


def _brief(item: CatalogItem) -> str:
    """ "the Luma Floor Lamp at €289" plus a stock note when stock is worth mentioning."""
    text = f"the {item.name} at {item_price(item)}"
    scarce = _scarcity(item.stock)
    return f"{text} ({scarce})" if scarce else text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def found(items: Sequence[CatalogItem], seed: str, *, what: str = "") -> str:
    """Search results: the first named with price and stock, a couple more, and how many in all."""
    if not items:
        return nothing_found(seed, what=what)
    first = items[0]
    if len(items) == 1:
        options = (
            f"I found {_brief(first)}. It's {stock_phrase(first)}.",
            f"How about {_brief(first)}? It's {stock_phrase(first)}.",
            f"The {first.name} fits: {item_price(first)}, {stock_phrase(first)}.",
        )
        return _limit(choose(options, seed))
    others = [_brief(item) for item in items[1:3]]
    more = len(items) - 1 - len(others)
    rest = join(others + ([f"{more} more"] if more > 0 else []))
    options = (
        f"I'd suggest {_brief(first)}, {stock_phrase(first)}. There's also {rest}.",
        f"Here are {len(items)} options. My pick is {_brief(first)}, and there's {rest}.",
        f"Take a look at {_brief(first)}. You might also like {rest}.",
    )
    return _limit(choose(options, seed))


def nothing_found(seed: str, *, what: str = "", closest: CatalogItem | None = None, why: str = "") -> str:
    """No match; names the closest product when there is one ("nothing under €500; the closest...")."""
    wanted = f" {what}" if what else ""
    cause = f" {why}" if why else ""
    if closest is not None:
        options = (
            f"I couldn't find anything{wanted}{cause}. The closest is {_brief(closest)}.",
            f"Nothing{wanted}{cause}, I'm afraid. The nearest match is {_brief(closest)}.",
        )
    else:
        options = (
            f"I couldn't find anything{wanted}{cause}. Try another colour, a different budget or a "
            "broader word like lighting or furniture.",
            f"Sorry, nothing{wanted}{cause} right now. You could ask me for something else, e.g. "
            "'a lamp under 300'.",
        )
    return _limit(choose(options, seed))


def focus(item: CatalogItem, seed: str, variant: int | None = None) -> str:
    """One product brought into view: name, price, stock, colourways."""
    colours = list(item.colourways)
    shown = (
        f" in {item.variants[variant].name}" if variant is not None and item.variants[variant].name else ""
    )
    offer = f" It comes in {join(colours)}." if len(colours) > 1 and not shown else ""
    cost, stock = item_price(item, variant), stock_phrase(item, variant)
    options = (
        f"Here's the {item.name}{shown}: {cost}, {stock}.{offer}",
        f"This is the {item.name}{shown}, {cost} and {stock}.{offer}",
        f"The {item.name}{shown} is {cost}, {stock}.{offer}",
    )
    return _limit(choose(options, seed))


def variant_shown(item: CatalogItem, variant: int, seed: str) -> str:
    name = item.variants[variant].name or "its only finish"
    cost, stock = item_price(item, variant), stock_phrase(item, variant)
    options = (
        f"Here's the {item.name} in {name}, {cost}, {stock}.",
        f"This is the {item.name} in {name}. It's {cost} and {stock}.",
        f"Switching to {name}: the {item.name} is {cost}, {stock}.",
    )
    return _limit(choose(options, seed))


def colourways(item: CatalogItem, seed: str) -> str:
    """The colourways of one product with what is in stock."""
    names = list(item.colourways)
    if len(names) <= 1:
        return _limit(f"The {item.name} comes in one finish only, {item_price(item)}, {stock_phrase(item)}.")
    sold_out = [v.name for v in item.variants if v.name and v.stock <= 0]
    note = f" {join(sold_out)} {'is' if len(sold_out) == 1 else 'are'} out of stock." if sold_out else ""
    options = (
        f"The {item.name} comes in {join(names)}.{note} Which one would you like to see?",
        f"You can have the {item.name} in {join(names, 'or')}.{note}",
    )
    return _limit(choose(options, seed))


def no_colour(item: CatalogItem, colour: str, seed: str) -> str:
    names = list(item.colourways)
    available = f" It comes in {join(names)}." if names else ""
    options = (
        f"The {item.name} doesn't come in {colour}, sorry.{available}",
        f"No {colour} for the {item.name}, I'm afraid.{available}",
    )
    return _limit(choose(options, seed))


def added(item: CatalogItem, variant: int, quantity: int, seed: str) -> str:
    name = item.variants[variant].name
    what = f"{quantity} of the {item.name}" if quantity > 1 else f"the {item.name}"
    colour = _in(name)
    total = price(item.variants[variant].price_minor * quantity, item.currency)
    left = item.variants[variant].stock - quantity
    hurry = f" Only {left} left after that." if 0 <= left <= _LOW_STOCK else ""
    options = (
        f"Done: {what}{colour} {'are' if quantity > 1 else 'is'} in your cart, {total}.{hurry} "
        "Say 'checkout' when you're ready.",
        f"I've added {what}{colour} to your cart for {total}.{hurry}",
        f"Added {what}{colour}, {total}.{hurry} Anything else?",
    )
    return _limit(choose(options, seed))


def cant_add(item: CatalogItem, variant: int, seed: str) -> str:
    """The colourway asked for is sold out: say so and offer what is in stock."""
    name = item.variants[variant].name
    others = [v.name for v in item.variants if v.stock > 0 and v.name and v.name != name]
    where = _in(name)
    offer = f" It's still available in {join(others, 'or')}." if others else ""
    options = (
        f"Sorry, the {item.name} is out of stock{where}, so I didn't add it.{offer}",
        f"I can't add the {item.name}{where}: it's sold out.{offer}",
    )
    return _limit(choose(options, seed))


def short_stock(item: CatalogItem, variant: int, quantity: int, seed: str) -> str:
    v = item.variants[variant]
    where = _in(v.name)
    return _limit(
        f"There are only {v.stock} of the {item.name}{where} left, not {quantity}. "
        f"Shall I add {v.stock} instead?"
    )


def need_product(seed: str, action: str) -> str:
    if action == "compare":
        return "Which products should I compare? Name two, e.g. 'the chair and the sofa'."
    options = (
        f"Which product would you like me to {action}? Say its name, or pick one in the showroom.",
        f"I'm not sure which one you mean. Tell me the product to {action}, e.g. 'the lamp'.",
    )
    return _limit(choose(options, seed))


def compare(items: Sequence[CatalogItem], seed: str) -> str:
    """Prices contrasted (and stock where it differs) for two or more products."""
    if len(items) < 2:
        return need_product(seed, "compare")
    ordered = sorted(items, key=lambda it: it.price_minor)
    cheap, dear = ordered[0], ordered[-1]
    gap = price(dear.price_minor - cheap.price_minor, cheap.currency)
    if len(items) == 2:
        a, b = items
        if a.price_minor == b.price_minor:
            head = f"The {a.name} and the {b.name} are both {item_price(a)}."
        else:
            head = choose(
                (
                    f"The {a.name} is {item_price(a)} and the {b.name} {item_price(b)}, so the "
                    f"{cheap.name} is {gap} cheaper.",
                    f"The {cheap.name} costs {item_price(cheap)}, {gap} less than the {dear.name} at "
                    f"{item_price(dear)}.",
                ),
                seed,
            )
    else:
        listed = join([f"the {it.name} {item_price(it)}" for it in ordered])
        head = f"From cheapest: {listed}."
    stocks = [(it, stock_phrase(it)) for it in items]
    if len({s for _, s in stocks}) == 1:
        tail = "Both are in stock." if stocks[0][1] == "in stock" and len(items) == 2 else ""
        if not tail:
            tail = f"All are {stocks[0][1]}." if len(items) > 2 else f"Both are {stocks[0][1]}."
    else:
        tail = " ".join(_cap(f"the {it.name} is {s}.") for it, s in stocks)
    return _limit(f"{head} {tail}")


def recommended(
    base: Sequence[CatalogItem], items: Sequence[CatalogItem], seed: str, *, similar: bool
) -> str:
    if not items:
        return _limit(
            choose(
                (
                    "I don't have a good match for that yet. Try asking for a category, like lighting.",
                    "Nothing comes to mind for that, sorry. Ask me for something specific instead.",
                ),
                seed,
            )
        )
    listed = join([_brief(it) for it in items[:3]])
    if not base:
        return _limit(choose((f"You might like {listed}.", f"Popular picks right now: {listed}."), seed))
    anchor = f"the {base[0].name}" if len(base) == 1 else "those"
    options: tuple[str, ...]
    if similar:
        options = (f"If you like {anchor}, have a look at {listed}.", f"Similar to {anchor}: {listed}.")
    else:
        options = (
            f"{_cap(listed)} would go nicely with {anchor}.",
            f"With {anchor}, I'd pair {listed}.",
            f"To go with {anchor}, try {listed}.",
        )
    return _limit(choose(options, seed))


def go_to_cart(seed: str) -> str:
    return choose(("Here's your cart.", "Opening your cart now.", "Sure, this is what's in your cart."), seed)


def go_to_checkout(seed: str) -> str:
    return choose(
        (
            "Taking you to checkout.",
            "Sure, let's check out. I'm opening the checkout for you.",
            "Off to checkout. Your cart comes with you.",
        ),
        seed,
    )


def help_text(seed: str) -> str:
    return _limit(
        choose(
            (
                "I can find products for you, like 'something comfy to sit on under 500', show colours "
                "('the shoe in blue'), compare two products, suggest what goes with something, and add "
                "things to your cart.",
                "Ask me for things by name, price or colour, e.g. 'a lamp under 300' or 'the sofa in "
                "grey'. I can also compare products, recommend what goes with them and fill your cart.",
            ),
            seed,
        )
    )


def small_talk(kind: str, seed: str) -> str:
    """Greetings, thanks, goodbyes and questions about the assistant itself."""
    options: tuple[str, ...] = {
        "greeting": (
            "Hello! I'm your shopping assistant. What are you looking for today?",
            "Hi there! Ask me for anything in the showroom, like 'a lamp under 300'.",
            "Hey! Tell me what you need and I'll find it for you.",
        ),
        "thanks": ("You're welcome!", "My pleasure. Anything else I can find for you?", "Happy to help!"),
        "bye": ("Goodbye, and enjoy your day!", "See you soon. Your cart will be waiting.", "Bye for now!"),
        "identity": (
            "I'm the showroom's shopping assistant. I can find products, compare them and add them to "
            "your cart.",
            "I'm your holographic shopping assistant, here to help you find the right thing.",
        ),
        "wellbeing": (
            "I'm doing great, thanks for asking! What can I find for you?",
            "All good here, and ready to help. What are you shopping for?",
        ),
    }.get(kind, ("Sure.", "Okay!", "Great. What else can I find for you?"))
    return choose(options, seed)


def fallback(seed: str) -> str:
    return choose(
        (
            "I didn't catch that. You can ask me for products by name, price or colour, e.g. 'a lamp "
            "under 300'.",
            "Sorry, I didn't understand. Try something like 'show me the sofa in grey' or 'what goes "
            "with this lamp?'.",
            "I'm not sure what you mean. You can say 'something to sit on under 500' or 'help'.",
        ),
        seed,
    )
