"""What a shopper wants from one message: an intent and its entities, by rules over a lexicon.

No language model is available offline, and a shopping assistant's world is small: a dozen kinds of
request, prices, colours, categories and the catalog's own product names. Rules over that lexicon
are fast (well under a millisecond), predictable and testable phrase by phrase; the words left over
go to semantic search, which copes with the open-ended rest ("something comfy").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from avatar.brain.catalog import CatalogItem, CatalogSnapshot
from avatar.brain.entities import (
    _FILLER,
    Lexicon,
    Mention,
    PriceRange,
    extract_prices,
    normalise,
    singular,
    tokens_of,
    words_to_digits,
)

__all__ = ["Entities", "Intent", "IntentParser", "ParseContext", "Parsed", "Reference"]

Reference = Literal["cheaper", "pricier", "first", "second", "third", "last", "this"]


class Intent(StrEnum):
    SEARCH = "search"
    FILTER = "filter"
    COMPARE = "compare"
    SHOW_VARIANT = "show_variant"
    ADD_TO_CART = "add_to_cart"
    GO_TO_CART = "go_to_cart"
    CHECKOUT = "checkout"
    RECOMMEND = "recommend"
    HELP = "help"
    SMALL_TALK = "small_talk"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Entities:
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    colours: tuple[str, ...] = ()  # as said, canonical: "grey", "blue", "forest", "ochre velvet"
    categories: tuple[str, ...] = ()  # catalog display names: "Furniture"
    products: tuple[str, ...] = ()  # product ids, in the order they were named
    reference: Reference | None = None
    quantity: int | None = None
    query: str = ""  # the words left for semantic search


@dataclass(frozen=True)
class ParseContext:
    """What the conversation already shows, so "in red" and "the cheaper one" can be read."""

    focused: str | None = None  # the product in focus in the showroom or the conversation
    results: tuple[str, ...] = ()  # the last answer's products, in order


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    entities: Entities = field(default_factory=Entities)
    confidence: float = 0.0
    # the flavour of the intent: small talk's "greeting" / "thanks" / "bye" / "identity" / "wellbeing"
    # / "ack"; recommend's "similar" (like this) or "related" (goes with this)
    detail: str = ""


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{p})\b" for p in patterns))


_CHECKOUT = _rx(
    r"checkout|check out(?! (?:the|this|that|these|those|it|a|an|some|your|our|what)\b)",
    r"pay(?:ment)?|proceed to (?:pay|payment|checkout)|place (?:my |the |an )?order",
    r"complete (?:my |the )?(?:order|purchase)|finish (?:my )?(?:order|shopping|purchase)",
)
_CART = _rx(r"cart|basket|trolley|shopping bag|my bag")
_ADD = _rx(
    r"add|buy|purchase",
    r"i (?:will|would like to|want to|wanna|would) (?:take|have|get|order|buy)",
    r"take (?:it|this|that|them|one|both|\d+)|order (?:it|this|that|the|one|\d+|them)",
    r"put (?:it|this|that|them|one|\d+)|get (?:me )?(?:it|this|that|\d+)|i will have|sold",
    r"want (?:it|this|that)",
)
_COMPARE = _rx(
    r"compare|comparison|comparing|versus|vs|difference between|what is the difference",
    r"which (?:one )?is (?:better|cheaper|best|nicer|pricier|more expensive)",
    r"which (?:one )?(?:should|would) i",
    r"how do (?:they|these|those) compare|side by side|stack up",
)
_GOES_WITH = _rx(
    r"go(?:es)? (?:well |nicely )?with|match(?:es|ing)?|pair(?:s|ed)? (?:well )?with|complement\w*",
    r"would look good with|to go with|complete the look",
)
_SIMILAR = _rx(r"similar|like (?:this|that|it|the \w+)|alternatives?|instead|other options")
_RECOMMEND = _rx(r"recommend\w*|suggest\w*|what else|anything else|something else|ideas?|inspire|surprise me")
_COLOURS_ASK = _rx(
    r"colou?rs?|colou?rways?|finish(?:es)?|versions?|other shades|come in|comes in|available in",
    r"in (?:other|another|different) \w+",
)
_HELP = _rx(
    r"help|what can you do|what do you do|how (?:does|do) (?:this|it|you) work|what can i (?:ask|say|do)",
    r"how (?:do|can) i use|commands|instructions|what are you for|how can you help|what are (?:my )?options",
    r"what do you know|what can you help",
)
_SMALL_TALK: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("identity", _rx(r"who are you|your name|what are you",
                     r"are you (?:a |an )?(?:robot|bot|human|ai|real|person)")),
    ("wellbeing", _rx(r"how are you|how is it going|what is up|how do you do|sup")),
    ("thanks", _rx(r"thanks|thank you|thx|ty|cheers|appreciate it|much appreciated")),
    ("bye", _rx(r"bye|goodbye|see you|see ya|good night|that is all|nothing else|i am done")),
    ("greeting", _rx(r"hi|hello|hey|hiya|howdy|yo|hallo|greetings|good (?:morning|afternoon|evening|day)")),
    ("ack", _rx(r"ok|okay|great|awesome|perfect|cool|brilliant|lovely|nice|wonderful|amazing",
                r"sure|yes|yeah|no|nope|fine")),
)  # fmt: skip
_SEARCH_WORDS = _rx(
    r"show|find|search|look(?:ing)? for|want|need|have|got|something|anything|sell|any|browse|see|get"
)
_CHEAPER = _rx(
    r"cheaper|cheapest|less expensive|least expensive|lower priced|more affordable|most affordable|cheap"
)
_PRICIER = _rx(
    r"pricier|priciest|more expensive|most expensive|dearer|fancier|premium|higher end|upmarket|luxury"
)
_SELECT = re.compile(r"\bthe (?:\w+ ){0,2}(?:one|1)\b(?!s)|\b(?:one|1)\b(?!s)")
_ORDINALS = {
    **dict.fromkeys(("first", "1st", "former"), "first"),
    **dict.fromkeys(("second", "2nd"), "second"),
    **dict.fromkeys(("third", "3rd"), "third"),
    **dict.fromkeys(("last", "final", "latter"), "last"),
}
_ORDINAL = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|last|final|latter|former)\b"
    r"|(?:\bnumber|\boption|\bno\.?|#)\s?([1-3])\b"
)
_PRONOUN = _rx(r"it|this|that|this one|that one")
_REFINE = _rx(r"only|just|those|them|ones|of these|of those|instead|narrow")
_QUANTITY = re.compile(
    r"(?<![\d.,€$£])\b(\d{1,2})\s?(?:x\b|×)?(?![\d.,]|\s?(?:€|\$|£|eur|euro))|\bx\s?(\d{1,2})\b"
)
_COUPLE = re.compile(r"\ba (?:couple|pair)(?: of)?\b|\bboth\b|\ba dozen\b")


class IntentParser:
    """Reads one message against a catalog's lexicon; build a new one when the catalog changes."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        self.catalog = catalog
        self.lexicon = Lexicon(catalog)

    def parse(self, text: str, context: ParseContext | None = None) -> Parsed:
        """Intent and entities of `text` (any string: junk, emoji or 10 kB come back as unknown)."""
        ctx = context or ParseContext()
        lex = self.lexicon
        norm = words_to_digits(normalise(text))
        prices, rest = extract_prices(norm)
        prices, rest = self._cheaper_than(rest, prices)
        reference: str | None = None
        ordinal = _ORDINAL.search(rest)
        if ordinal:
            reference = (
                _ORDINALS.get(ordinal.group(1) or "")
                or ("first", "second", "third")[int(ordinal.group(2) or 1) - 1]
            )
            rest = rest[: ordinal.start()] + " " + rest[ordinal.end() :]
        quantity = self._quantity(rest)
        spoken = [lex.correct(t) for t in tokens_of(rest)]
        tokens = [t for t in spoken if not t.isdigit()]  # numbers left over are quantities, read above
        joined = " ".join(tokens)
        if not tokens and prices.min_minor is None and prices.max_minor is None:
            return Parsed(Intent.UNKNOWN, Entities(), 0.0)

        named = lex.named(tokens)
        named_used = {i for m in named for i in m.tokens}
        used = set(named_used)
        colours, colour_used = lex.colours(tokens, used)
        used |= colour_used
        nouns = lex.nouns(tokens, used)
        if reference is None:
            if _CHEAPER.search(joined):
                reference = "cheaper"
            elif _PRICIER.search(joined):
                reference = "pricier"
        selecting = reference in ("cheaper", "pricier") and _SELECT.search(joined) is not None

        flags = _Flags(" ".join(spoken))
        cart_word = _CART.search(joined) is not None
        wants_product = flags.add or flags.compare or flags.recommend or flags.colours_ask or bool(colours)
        mentions = list(named)
        for noun in nouns:
            # "the lamp", "this lamp", or a noun when the intent needs a product ("add 2 mugs to my
            # cart"), but not "buy a lamp under 300", which is a search
            if noun.indefinite and not cart_word:
                continue
            if noun.plural and flags.add and not flags.compare:
                noun = replace(noun, plural=False)
            if noun.determiner or (wants_product and not noun.plural) or (flags.compare and noun.plural):
                mentions.append(noun)
        mentions.sort(key=lambda m: m.start)
        product_ids = self._choose(mentions, ctx, colours, reference)
        used |= {i for m in mentions for i in m.tokens}  # names, colours and the nouns kept as mentions
        categories, category_used = lex.categories(tokens, used)
        content = [
            t for i, t in enumerate(tokens)
            if i not in used and i not in category_used and t not in _FILLER and singular(t) not in _FILLER
        ]  # fmt: skip
        query_words = [
            t for i, t in enumerate(tokens)
            if i not in colour_used and i not in named_used and t not in _FILLER
            and singular(t) not in _FILLER
        ]  # fmt: skip
        if reference is None and not product_ids and not categories and _PRONOUN.search(joined):
            reference = "this"
        if quantity is None and _COUPLE.search(norm):
            quantity = 12 if "dozen" in norm else 2
        entities = Entities(
            min_price_minor=prices.min_minor,
            max_price_minor=prices.max_minor,
            colours=tuple(colours),
            categories=tuple(categories),
            products=product_ids,
            reference=reference,  # type: ignore[arg-type]
            quantity=quantity,
            query=" ".join(query_words),
        )
        has_price = prices.min_minor is not None or prices.max_minor is not None
        known_content = [w for w in content if w in lex.meaningful or singular(w) in lex.meaningful]
        intent, confidence, detail = self._intent(
            flags, entities, ctx, cart_word, selecting, has_price, content, known_content, joined, mentions
        )
        if intent in (Intent.SMALL_TALK, Intent.HELP, Intent.UNKNOWN, Intent.GO_TO_CART, Intent.CHECKOUT):
            entities = Entities(query="") if intent is not Intent.UNKNOWN else entities
        return Parsed(intent, entities, confidence, detail)

    # ------------------------------------------------------------------------------------ pieces

    def _cheaper_than(self, text: str, prices: PriceRange) -> tuple[PriceRange, str]:
        """ "cheaper than the sofa": a price bound from that product's price."""
        match = re.search(
            r"\b(cheaper|less expensive|pricier|more expensive|dearer) than ((?:\w+ ?){1,4})", text
        )
        if match is None:
            return prices, text
        tokens = tokens_of(match.group(2))
        found = self.lexicon.named(tokens) or [m for m in self.lexicon.nouns(tokens, set()) if not m.plural]
        if not found:
            return prices, text
        item = self.catalog.get(found[0].product_ids[0])
        if item is None:
            return prices, text
        cheaper = match.group(1) in ("cheaper", "less expensive")
        if cheaper:
            prices = PriceRange(prices.min_minor, item.price_minor - 1)
        else:
            prices = PriceRange(item.price_minor + 1, prices.max_minor)
        words = match.group(2).split()
        last = max(found[0].tokens)
        cut = match.start(2) + len(" ".join(words[: last + 1]))
        return prices, text[: match.start()] + " " + text[cut:]

    @staticmethod
    def _quantity(text: str) -> int | None:
        match = _QUANTITY.search(text)
        if match is None:
            return None
        value = int(match.group(1) or match.group(2))
        return value if 1 <= value <= 99 else None

    def _choose(
        self, mentions: Sequence[Mention], ctx: ParseContext, colours: Sequence[str], reference: str | None
    ) -> tuple[str, ...]:
        """Product ids for the mentions: one per singular mention, picked by the conversation's focus,
        its last results, the colour asked for or the price reference; all of a plural one."""
        chosen: list[str] = []
        for mention in mentions:
            ids = mention.product_ids
            if mention.plural and not mention.by_name:
                picks = list(ids)
            elif len(ids) == 1:
                picks = [ids[0]]
            else:
                picks = [self._best(ids, ctx, colours, reference)]
            chosen.extend(p for p in picks if p not in chosen)
        return tuple(chosen)

    def _best(
        self, ids: Sequence[str], ctx: ParseContext, colours: Sequence[str], reference: str | None
    ) -> str:
        items = self.catalog.pick(ids)
        if reference in ("cheaper", "pricier") and items:
            key = (lambda it: it.price_minor) if reference == "cheaper" else (lambda it: -it.price_minor)
            return min(items, key=key).id

        def rank(item: CatalogItem) -> tuple[int, int, int]:
            in_focus = 0 if item.id == ctx.focused else 1
            in_results = ctx.results.index(item.id) if item.id in ctx.results else len(ctx.results) + 1
            has_colour = (
                0 if not colours or any(self.lexicon.variant_for(item, c) is not None for c in colours) else 1
            )
            return (has_colour, in_focus, in_results)

        return min(items, key=rank).id if items else ids[0]

    def _intent(
        self,
        flags: _Flags,
        e: Entities,
        ctx: ParseContext,
        cart_word: bool,
        selecting: bool,
        has_price: bool,
        content: Sequence[str],
        known_content: Sequence[str],
        joined: str,
        mentions: Sequence[Mention],
    ) -> tuple[Intent, float, str]:
        specific = bool(e.products) or e.reference is not None
        has_context = ctx.focused is not None or bool(ctx.results)
        constraints = has_price or bool(e.colours) or bool(e.categories)
        anything = specific or constraints or bool(known_content)
        if flags.checkout:
            return Intent.CHECKOUT, 0.95, ""
        if flags.add and (specific or cart_word or not (e.categories or content)):
            return Intent.ADD_TO_CART, 0.9 if (specific or cart_word) else 0.7, ""
        if cart_word:
            return Intent.GO_TO_CART, 0.9, ""
        if flags.compare or (len(e.products) >= 2 and re.search(r"\bor\b", joined)):
            return Intent.COMPARE, 0.9 if flags.compare else 0.75, ""
        if flags.goes_with or flags.similar:
            return Intent.RECOMMEND, 0.9, "similar" if flags.similar and not flags.goes_with else "related"
        if flags.recommend and not ((e.categories or content or has_price) and not specific):
            return Intent.RECOMMEND, 0.85, "related"
        if flags.colours_ask and (specific or has_context) and not e.categories:
            return Intent.SHOW_VARIANT, 0.85, ""
        singular_target = any(not m.plural for m in mentions) or e.reference == "this"
        if e.colours and singular_target and (e.products or e.reference == "this" or has_context):
            return Intent.SHOW_VARIANT, 0.9, ""
        if flags.help and not (e.products or e.categories or known_content or has_price):
            return Intent.HELP, 0.9, ""
        for kind, pattern in _SMALL_TALK:
            if (
                pattern.search(joined)
                and not (specific and kind == "ack")
                and not (constraints or known_content or e.products)
            ):
                return Intent.SMALL_TALK, 0.85 if kind != "ack" else 0.6, kind
        if (
            e.colours
            and not e.categories
            and not content
            and not e.products
            and has_context
            and not has_price
        ):
            return Intent.SHOW_VARIANT, 0.75, ""
        if e.products:
            return Intent.SEARCH, 0.85, ""
        if selecting or (
            e.reference in ("first", "second", "third", "last", "this") and not constraints and not content
        ):
            return Intent.SEARCH, 0.8, ""
        if (
            constraints
            and not content
            and (not e.categories or flags.refine)
            and (has_price or e.colours or flags.refine or e.reference)
        ):
            return Intent.FILTER, 0.8, ""
        if e.reference in ("cheaper", "pricier") and not e.categories and not content and has_context:
            return Intent.FILTER, 0.75, ""
        if e.categories or known_content:
            return Intent.SEARCH, 0.8 if e.categories else 0.6, ""
        if flags.search and not content and not flags.help:  # "show me everything": browse
            return Intent.SEARCH, 0.5, ""
        if content and (flags.search or has_price or e.colours):
            return Intent.SEARCH, 0.5, ""
        if flags.recommend:
            return Intent.RECOMMEND, 0.6, "related"
        if e.reference in ("cheaper", "pricier"):
            return Intent.SEARCH, 0.6, ""
        return Intent.UNKNOWN, 0.2 if anything else 0.0, ""


class _Flags:
    """Which intent phrases a message contains."""

    def __init__(self, joined: str) -> None:
        self.checkout = _CHECKOUT.search(joined) is not None
        self.add = _ADD.search(joined) is not None
        self.compare = _COMPARE.search(joined) is not None
        self.goes_with = _GOES_WITH.search(joined) is not None
        self.similar = _SIMILAR.search(joined) is not None
        self.recommend = _RECOMMEND.search(joined) is not None
        self.colours_ask = _COLOURS_ASK.search(joined) is not None
        self.help = _HELP.search(joined) is not None
        self.search = _SEARCH_WORDS.search(joined) is not None
        self.refine = _REFINE.search(joined) is not None
