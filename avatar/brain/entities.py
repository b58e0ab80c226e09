"""The words a shopper uses for prices, colours, categories and products, matched against the catalog.

Everything here is a lexicon plus the catalog's own names, categories and colourway names, so a new
catalog is understood without code changes: "the oslo chair", "in forest", "under €500". Prices in
what people type are in major units (euros); everything returned is in minor units (cents), as in
the catalog.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from avatar.brain.catalog import CatalogItem, CatalogSnapshot


def _words(text: str) -> list[str]:
    return text.split()


__all__ = [
    "COLOUR_FAMILIES",
    "MAX_TEXT",
    "Lexicon",
    "Mention",
    "PriceRange",
    "extract_prices",
    "name_words",
    "normalise",
    "singular",
]

MAX_TEXT = 500  # characters read from one message; the rest is ignored, never an error

# Base colours and the shade names shoppers and catalogs use for them. A shade can sit in two
# families (rust is red and orange): asking for either finds it.
COLOUR_FAMILIES: dict[str, frozenset[str]] = {
    name: frozenset(shades.split())
    for name, shades in {
        "red": "red rust crimson burgundy cherry scarlet maroon brick terracotta ruby wine",
        "orange": "orange rust terracotta copper amber apricot tangerine",
        "yellow": "yellow ochre mustard volt lemon gold amber",
        "green": "green forest sage olive emerald mint khaki moss lime jade",
        "blue": "blue midnight sky navy cobalt denim indigo azure teal turquoise cyan petrol",
        "purple": "purple violet lilac plum lavender mauve aubergine",
        "pink": "pink rose blush coral fuchsia magenta salmon",
        "brown": "brown walnut chocolate mocha tan camel chestnut espresso smoked cognac tobacco taupe",
        "beige": "beige sand oatmeal natural cream linen ecru tan camel stone champagne oat",
        "white": "white chalk ivory cream snow pearl porcelain",
        "black": "black onyx jet ebony charcoal",
        "grey": "grey slate graphite charcoal steel silver stone ash pewter concrete anthracite",
        "silver": "silver steel chrome aluminium platinum nickel",
        "gold": "gold brass champagne bronze",
    }.items()
}
_COLOUR_SPELLINGS = {"gray": "grey", "aluminum": "aluminium", "golden": "gold", "violet": "violet"}
_SHADES = frozenset().union(*COLOUR_FAMILIES.values())
# Shade words too common in other senses to be read as a colour unless the catalog uses them.
_AMBIGUOUS_SHADES = frozenset({"wine", "chocolate", "mint", "lime", "natural", "stone", "jet", "sky", "tan"})

# Category words, each to the display name catalogs use. Only categories the catalog has are kept.
_CATEGORY_WORDS: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "furniture furnishing seat seating chair armchair recliner sofa couch settee loveseat table desk "
            "bench stool ottoman sit sitting"
        ),
        "Furniture",
    ),
    **dict.fromkeys(_words("lighting light lamp lantern illumination bulb chandelier"), "Lighting"),
    **dict.fromkeys(_words("decor decoration vase candle ornament flower holder centrepiece"), "Decor"),
    **dict.fromkeys(
        _words("kitchen kitchenware drinkware mug cup bottle flask tumbler drink coffee tea"), "Kitchen"
    ),
    **dict.fromkeys(
        _words("audio music sound speaker headphone earphone headset earbud listen listening"), "Audio"
    ),
    **dict.fromkeys(_words("footwear shoe sneaker trainer runner boot running"), "Footwear"),
    **dict.fromkeys(["accessory", "sunglass", "shade", "eyewear"], "Accessories"),
    **dict.fromkeys(["toy", "kid", "child"], "Toys"),
}
# Phrases naming a category by what it is for ("something to sit on").
_CATEGORY_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b(?:{pattern})\b"), category)
    for pattern, category in (
        (r"sit (?:on|in)|to sit|sit down|lie on|lounge (?:on|in)|living room|dining room", "Furniture"),
        (r"read(?:ing)? by|light up|brighten|too dark", "Lighting"),
        (r"keep (?:\w+ )?(?:cold|warm|hot)|(?:to|for) drink|drinks? cold", "Kitchen"),
        (r"listen to|play music|to music", "Audio"),
        (r"to run|for running|on my feet|to wear on", "Footwear"),
    )
)
# Product nouns and their aliases: how a shopper names a kind of thing ("couch" for the sofa).
_NOUNS: dict[str, str] = {
    **dict.fromkeys(["chair", "armchair", "recliner"], "chair"),
    **dict.fromkeys(["sofa", "couch", "settee", "loveseat"], "sofa"),
    **dict.fromkeys(["table", "desk"], "table"),
    **dict.fromkeys(["lamp", "light", "lantern"], "lamp"),
    "vase": "vase",
    **dict.fromkeys(["candle", "holder", "lantern"], "candle"),
    **dict.fromkeys(["bottle", "flask", "tumbler"], "bottle"),
    **dict.fromkeys(["mug", "cup"], "mug"),
    **dict.fromkeys(["headphone", "headset", "earphone", "earbud", "can"], "headphones"),
    "speaker": "speaker",
    **dict.fromkeys(["shoe", "sneaker", "trainer", "runner", "boot"], "shoe"),
    **dict.fromkeys(["sunglass", "shade", "eyewear"], "sunglasses"),
    **dict.fromkeys(["car", "toy"], "car"),
}
_DETERMINERS = frozenset(_words("the this that these those my your its their our"))
_UNITS = _words("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen")
_TEENS = _words("fifteen sixteen seventeen eighteen nineteen")
_TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
_NUMBER_WORDS = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 15 + i for i, w in enumerate(_TEENS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
}
_COMPOUND_NEXT = frozenset(_words("seat seater piece person people drawer door way"))

_CURRENCY = r"(?:[€$£]|(?:eur|euros?|bucks|dollars?|pounds?|quid)\b)"
_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:\s?(k|grand)\b)?"
_AMOUNT = rf"(?:{_CURRENCY}\s?)?{_NUMBER}(?:\s?{_CURRENCY})?"
_A2 = _AMOUNT.replace("(\\d", "(?P<b>\\d", 1).replace("(k|grand)", "(?P<bk>k|grand)")
_A1 = _AMOUNT.replace("(\\d", "(?P<a>\\d", 1).replace("(k|grand)", "(?P<ak>k|grand)")
_MAX_WORDS = (
    r"under|below|beneath|less than|cheaper than|lower than|up to|upto|max(?:imum)?|at most|no more than|"
    r"not more than|not over|within|budget(?: of| is)?|for less than|for under|for max|spend(?:ing)?"
)
_MIN_WORDS = (
    r"over|above|more than|at least|min(?:imum)?|starting at|pricier than|more expensive than|"
    r"upwards of|greater than|higher than|from"
)
_BARE = (
    rf"(?:{_CURRENCY}\s?(?P<a>\d[\d.,]*)(?:\s?(?P<ak>k|grand)\b)?"
    rf"|(?P<c>\d[\d.,]*)\s?(?P<ck>k)?\s?{_CURRENCY})"
)  # "€300", "300 euros": a budget
# Order matters: ranges before single bounds, and each match is blanked before the next pattern runs.
_PRICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("range", rf"\bbetween\s+{_A1}\s+and\s+{_A2}"),
        ("range", rf"\bfrom\s+{_A1}\s+(?:to|until|till)\s+{_A2}"),
        ("range", rf"(?<![\w.,]){_A1}\s?(?:-|–|to)\s?{_A2}(?![\w.,])"),
        ("around", rf"\b(?:around|about|roughly|approximately|circa|near|close to)\s+{_A1}"),
        ("max", rf"\b(?:{_MAX_WORDS})\s+{_A1}"),
        ("min", rf"\b(?:{_MIN_WORDS})\s+{_A1}"),
        ("max", rf"{_A1}\s+(?:or less|or under|or below|or cheaper|or lower|max(?:imum)?|tops|at most)\b"),
        ("min", rf"{_A1}(?:\s?\+|\s+(?:or more|or above|or over|and up|and above|plus|minimum|at least)\b)"),
        ("max", rf"\bfor\s+{_A1}"),
        ("max", _BARE),
    )
)  # fmt: skip


@dataclass(frozen=True)
class PriceRange:
    min_minor: int | None = None
    max_minor: int | None = None


@dataclass(frozen=True)
class Mention:
    """A product named in the text: by its own name words, or by a noun ("the lamp")."""

    product_ids: tuple[str, ...]  # the candidates, best first; one when the words were specific
    start: int  # token position, for the order products are compared in
    by_name: bool  # distinctive name words (not just "the chair")
    determiner: bool  # "the/this/that ..." before the noun: one particular product is meant
    plural: bool
    tokens: frozenset[int]
    indefinite: bool = (
        False  # "a lamp", "any mug": a kind of thing rather than one product  # positions the mention used up
    )


def normalise(text: str) -> str:
    """Bounded, case-folded text with contractions spelled out and emoji and odd symbols removed."""
    text = unicodedata.normalize("NFKC", str(text)[:MAX_TEXT]).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    for short, long in (("n't", " not"), ("'ll", " will"), ("'d", " would"), ("'m", " am"), ("'re", " are")):
        text = text.replace(short, long)
    text = re.sub(r"'s\b", " is", text)
    text = re.sub(r"[^\w€$£.,+\-–#\s]", " ", text)
    text = text.replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def singular(word: str) -> str:
    """A light English singular for matching ("lamps", "glasses", "couches" → lamp, glass, couch)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_words(name: str) -> list[str]:
    """The words of a product name, CamelCase split: "GlamVelvetSofa" → glam, velvet, sofa."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.casefold()) if w]


def _amount(number: str, scale: str | None) -> int | None:
    """Major-unit text ("1,299", "34.90", "34,90", "2k") to minor units."""
    number = number.strip(".,")
    grouped = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+)(?:[.,](\d{1,2}))?", number)
    plain = grouped or re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", number)
    if plain is None:
        return None
    whole = int(re.sub(r"[.,]", "", plain.group(1)))
    cents = int((plain.group(2) + "0")[:2]) if plain.group(2) else 0
    value = whole * 100 + cents
    if scale:
        value *= 1000
    return value if value <= 10**12 else None


def words_to_digits(text: str) -> str:
    """Spelled numbers to digits ("five hundred" → 500, "a grand" → 1000, "two" → 2), leaving a lone
    "one" (this one) and compounds ("three seat") alone."""
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j, total, current, count = i, 0, 0, 0
        while j < len(tokens):
            word = tokens[j]
            nxt = tokens[j + 1] if j + 1 < len(tokens) else ""
            if word in _NUMBER_WORDS:
                current += _NUMBER_WORDS[word]
            elif word == "hundred" and count:
                current = max(current, 1) * 100
            elif word in ("thousand", "grand") and count:
                total += max(current, 1) * 1000
                current = 0
            elif word == "a" and nxt in ("hundred", "thousand", "grand"):
                current = 1
            elif not (word == "and" and count and nxt in _NUMBER_WORDS and _NUMBER_WORDS[nxt] < 100):
                break
            count += 1
            j += 1
        span = tokens[i:j]
        following = tokens[j] if j < len(tokens) else ""
        if count and span not in (["one"], ["a"]) and following not in _COMPOUND_NEXT:
            out.append(str(total + current))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def extract_prices(text: str) -> tuple[PriceRange, str]:
    """Price bounds in normalised text, and the text with the price phrases blanked out."""
    low: int | None = None
    high: int | None = None
    for kind, pattern in _PRICE_PATTERNS:
        while match := pattern.search(text):
            groups = match.groupdict()
            a = _amount(groups.get("a") or groups.get("c") or "", groups.get("ak") or groups.get("ck"))
            if a is None:
                break
            if kind == "range":
                b = _amount(groups["b"] or "", groups.get("bk"))
                if b is None:
                    break
                if groups.get("bk") and not groups.get("ak") and a < 100_000:  # "1-2k"
                    a *= 1000
                low, high = min(a, b), max(a, b)
            elif kind == "around":
                low, high = a * 8 // 10, a * 12 // 10
            elif kind == "max":
                if not _looks_like_money(match.group(0), a):
                    break
                high = a
            else:
                low = a
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return PriceRange(low, high), re.sub(r"\s+", " ", text).strip()


def _looks_like_money(phrase: str, minor: int) -> bool:
    """ "for 300" is a budget, "for 6" (people) is not: small bare numbers need a currency."""
    has_currency = re.search(_CURRENCY, phrase) is not None
    return has_currency or not phrase.startswith("for") or minor >= 2000


class Lexicon:
    """What the catalog's words mean: its categories, colourways and product names, plus synonyms."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        categories = {item.category.casefold(): item.category for item in catalog.items}
        self.category_words: dict[str, str] = {
            word: categories[c.casefold()]
            for word, c in _CATEGORY_WORDS.items()
            if c.casefold() in categories
        }
        for display in categories.values():
            for word in name_words(display):
                self.category_words.setdefault(singular(word), display)
        self.category_phrases = tuple(
            (p, categories[c.casefold()]) for p, c in _CATEGORY_PHRASES if c.casefold() in categories
        )
        # colourway names the catalog uses, whole and word by word
        self.colourways: dict[str, str] = {}
        for item in catalog.items:
            for variant in item.variants:
                if variant.name:
                    self.colourways.setdefault(variant.name.casefold(), variant.name)
        catalog_shade_words = {w for name in self.colourways for w in name.split()}
        self.colour_words: set[str] = set(COLOUR_FAMILIES) | set(_COLOUR_SPELLINGS)
        self.colour_words |= (_SHADES - _AMBIGUOUS_SHADES) | (
            catalog_shade_words & (_SHADES | set(COLOUR_FAMILIES))
        )
        self.colour_words |= {w for name in self.colourways for w in name.split() if len(w) > 2}
        self.multiword_colours = sorted((n for n in self.colourways if " " in n), key=len, reverse=True)
        # product names: every item's words, which nouns it is, and which words single it out
        self.item_words: dict[str, frozenset[str]] = {}
        self.item_nouns: dict[str, frozenset[str]] = {}
        counts: dict[str, int] = {}
        for item in catalog.items:
            words = frozenset(singular(w) for w in name_words(item.name) if not w.isdigit())
            self.item_words[item.id] = words
            self.item_nouns[item.id] = frozenset(_NOUNS[w] for w in words if w in _NOUNS)
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        generic = set(_NOUNS) | set(self.category_words) | self.colour_words | set(_NUMBER_WORDS) | _FILLER
        self.brands: dict[str, str] = {}
        for item in catalog.items:
            first = next((singular(w) for w in name_words(item.name) if singular(w) not in _FILLER), "")
            if first and counts.get(first) == 1 and first not in generic and len(first) > 2:
                self.brands[first] = item.id
        self.name_vocab = {w for words in self.item_words.values() for w in words}
        self.vocabulary = sorted(
            self.name_vocab | set(_NOUNS) | set(self.category_words) | self.colour_words | KEYWORDS
        )
        # words that say something about products: the catalog's own and the lexicon's
        catalog_words = {
            singular(w) for item in catalog.items for w in re.findall(r"[a-z]+", item.text.casefold())
        }
        self.meaningful = (set(self.vocabulary) | catalog_words) - _FILLER - KEYWORDS
        self.known = self.meaningful | _FILLER | set(_NUMBER_WORDS) | COMMON_WORDS | KEYWORDS

    # ---------------------------------------------------------------------------------- spelling

    def correct(self, word: str) -> str:
        """A typo of a catalog or lexicon word to that word ("hedphones", "sofaa"); others unchanged."""
        if len(word) < 5 or word.isdigit() or word in self.known or singular(word) in self.known:
            return word
        # typos keep the first letter far more often than not; requiring it avoids "come" → "chrome"
        same_start = [w for w in self.vocabulary if w[0] == word[0]]
        close = difflib.get_close_matches(word, same_start, n=1, cutoff=0.8)
        if not close:
            close = difflib.get_close_matches(singular(word), same_start, n=1, cutoff=0.8)
        return close[0] if close else word

    # ------------------------------------------------------------------------------------ colours

    def colours(self, tokens: Sequence[str], skip: set[int]) -> tuple[list[str], set[int]]:
        """Colours named in the tokens (canonical: "grey", "ochre velvet"), and the positions used."""
        found: list[str] = []
        used: set[int] = set()
        joined = " ".join(tokens)
        for name in self.multiword_colours:
            for match in re.finditer(rf"\b{re.escape(name)}\b", joined):
                first = joined[: match.start()].count(" ")
                span = set(range(first, first + name.count(" ") + 1))
                if not span & (used | skip):
                    used |= span
                    found.append(name)
        for i, token in enumerate(tokens):
            if i in used or i in skip or token not in self.colour_words:
                continue
            if token == "light" or (i + 1 < len(tokens) and tokens[i + 1] in ("than",)):
                continue
            used.add(i)
            if i > 0 and tokens[i - 1] in ("light", "dark", "pale", "deep", "bright", "matte", "navy"):
                used.add(i - 1)
            colour = _COLOUR_SPELLINGS.get(token, token)
            if colour not in found:
                found.append(colour)
        return found, used

    def colour_names(self, colour: str) -> tuple[str, ...]:
        """The colour and every catalog colourway of its family: what a ProductFilter's colours get."""
        colour = _COLOUR_SPELLINGS.get(colour.casefold(), colour.casefold())
        family = self.family(colour)
        names = [colour]
        for folded, name in self.colourways.items():
            if colour in folded or family & set(folded.split()):
                names.append(name)
        return tuple(dict.fromkeys(names))

    def family(self, colour: str) -> frozenset[str]:
        if colour in COLOUR_FAMILIES:
            return COLOUR_FAMILIES[colour] | {colour}
        fams = [shades | {base} for base, shades in COLOUR_FAMILIES.items() if colour in shades]
        return frozenset().union(*fams) if fams else frozenset({colour})

    def variant_for(self, item: CatalogItem, colour: str) -> int | None:
        """The colourway of `item` for a colour: its own name first ("blue" in "Sky Blue"), then the
        family ("blue" → Midnight), then a shade of a family the colour belongs to ("navy" → Sky)."""
        colour = _COLOUR_SPELLINGS.get(colour.casefold(), colour.casefold())
        direct = item.variant_index(colour)
        if direct is not None:
            return direct
        family = self.family(colour)
        for i, variant in enumerate(item.variants):
            if family & set(variant.name.casefold().split()):
                return i
        return None

    # --------------------------------------------------------------------------------- categories

    def categories(self, tokens: Sequence[str], skip: set[int]) -> tuple[list[str], set[int]]:
        found: list[str] = []
        used: set[int] = set()
        joined = " ".join(tokens)
        for pattern, category in self.category_phrases:
            if pattern.search(joined) and category not in found:
                found.append(category)
        for i, token in enumerate(tokens):
            if i in skip:
                continue
            word = singular(token)
            named = self.category_words.get(word) or self.category_words.get(token)
            if named is None:
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if word == "light" and (nxt in self.colour_words or nxt in ("weight", "up")):
                continue
            used.add(i)
            if named not in found:
                found.append(named)
        return found, used

    # ----------------------------------------------------------------------------------- products

    def named(self, tokens: Sequence[str]) -> list[Mention]:
        """Products named by their own words: a brand ("oslo"), or two or more words of one name side
        by side ("floor lamp", "oslo lounge chair", "vase with flowers")."""
        mentions: list[Mention] = []
        taken: set[int] = set()
        for i, token in enumerate(tokens):
            word = singular(token)
            if i in taken or word in _FILLER:
                continue
            best: tuple[str, set[int]] | None = None
            for pid, words in self.item_words.items():
                if word not in words:
                    continue
                span, j = {i}, i + 1
                while j < len(tokens):
                    nxt = singular(tokens[j])
                    if nxt in words or _NOUNS.get(nxt, "-") in self.item_nouns[pid]:
                        span.add(j)
                    elif not (
                        nxt in ("with", "of", "and")
                        and j + 1 < len(tokens)
                        and singular(tokens[j + 1]) in words
                    ):
                        break
                    j += 1
                if (self.brands.get(word) == pid or len(span) >= 2) and (
                    best is None or len(span) > len(best[1])
                ):
                    best = (pid, span)
            if best is not None:
                pid, span = best
                last = tokens[max(span)]
                determiner = i > 0 and tokens[i - 1] in _DETERMINERS
                plural = (
                    last != singular(last) and not last.endswith("ss") and last not in self.item_words[pid]
                )
                mentions.append(Mention((pid,), i, True, determiner, plural, frozenset(span)))
                taken |= span
        return mentions

    def nouns(self, tokens: Sequence[str], skip: set[int]) -> list[Mention]:
        """Kinds of thing that may mean a product: "the lamp", "that chair", "the shoes", "a mug"."""
        mentions: list[Mention] = []
        for i, token in enumerate(tokens):
            if i in skip:
                continue
            word = singular(token)
            noun = _NOUNS.get(word)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if noun is None or (word == "light" and (nxt in self.colour_words or nxt in ("weight", "up"))):
                continue
            ids = tuple(pid for pid, nouns in self.item_nouns.items() if noun in nouns)
            if not ids:
                continue
            back = tokens[max(0, i - 3) : i]
            determiner = any(w in _DETERMINERS for w in back) and (
                not back or back[-1] not in ("a", "an", "any")
            )
            indefinite = bool(back) and back[-1] in ("a", "an", "any", "some")
            mentions.append(Mention(ids, i, False, determiner, token != word, frozenset({i}), indefinite))
        return mentions


# Words that carry no product meaning: removed from the query sent to semantic search.
_FILLER = frozenset(
    _words(
        "a an the this that these those it its they them their there here i me my mine we us our you your "
        "yours he she him her is are am was were be been being do does did doing have has had having can "
        "could would should will shall may might must of to in on at by for from with without about as "
        "into onto and or but so if then than too very really just only also even please pls plz kindly "
        "some any something anything someone one ones thing things stuff item items product products show "
        "see view find search look looking want wanted need needed like love get got give gimme let lets "
        "tell know what which who whom whose where when why how much many more most less little lot lots "
        "bit kind sort type maybe perhaps probably possibly actually basically hey hi hello okay ok yes "
        "yeah yep no nope not well now still again else other another same such own up down out over "
        "under off all both each few other new best good great nice buy add cart basket bag put take "
        "order purchase price cost costs priced euro euros eur cheap cheaper cheapest expensive pricier "
        "priciest dearer affordable budget first second third last final number option colour color "
        "colours colors version versions stock available availability left compare comparison versus vs "
        "difference recommend suggest similar alternative alternatives goes go going match matches pairs "
        "pair with help thanks thank am i'm im available shop store showroom got offer sell sells selling "
        "bring around inside instead come comes came does tell about there any everything whatever"
    )
)
# Words the intent rules look for, kept so typos of them are corrected ("comapre", "chekout").
KEYWORDS = frozenset(
    _words(
        "compare comparison versus difference checkout check pay payment cart basket trolley recommend "
        "suggest similar alternative goes match pair help hello thanks thank goodbye colour color colours "
        "colors cheaper cheapest pricier expensive purchase order second third"
    )
)
# Everyday words that must never be "corrected" into a catalog word.
COMMON_WORDS = frozenset(
    _words(
        "comfy cozy cosy soft warm cool modern classic minimal minimalist small large big tiny huge tall "
        "short long wide narrow light heavy dark bright quiet loud simple elegant stylish fancy pretty "
        "cute beautiful nice lovely home house room office bedroom garden outdoor indoor gift present "
        "birthday wife husband mum mom dad friend kids kid children baby mother father sister brother "
        "girlfriend boyfriend partner myself apartment flat living dining evening morning night day week "
        "today tomorrow work working study reading read relax relaxing sleep sleeping cold hot water wine "
        "coffee tea travel trip hiking hike gym sport sports running walk walking music party dinner "
        "breakfast lunch durable sturdy solid cheap premium luxury quality best good great bad okay fine "
        "sure ready done robot human person name bye goodbye morning afternoon evening howdy cheers "
        "awesome perfect cool brilliant wonderful amazing lovely excellent sorry yes sound sounds work "
        "works does doing what whats who how much anything everything nothing something someone about "
        "there where"
    )
)


def tokens_of(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+", text)
