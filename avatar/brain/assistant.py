"""The assistant's brain in one call: a shopper's words in, a reply and what the showroom should do out.

`Assistant.ask` parses the message (intents.py) in the light of the conversation so far (memory.py),
asks product search or the recommender, and composes the reply from the products found
(replies.py). It holds no model of its own: search and recommendations are given to it, so the same
brain runs over the real semantic search and over small stand-ins in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from avatar.brain import replies
from avatar.brain.base_search import Hit, ProductFilter, ProductSearch, Recommender
from avatar.brain.catalog import CatalogItem, CatalogSnapshot
from avatar.brain.entities import MAX_TEXT, Lexicon
from avatar.brain.intents import Entities, Intent, IntentParser, Parsed
from avatar.brain.memory import ConversationMemory, Memories

__all__ = ["Answer", "Assistant"]

log = logging.getLogger(__name__)

Navigate = Literal["cart", "checkout"]
RESULTS = 5  # products an answer lists at most
SUGGESTIONS = 3  # recommendations named in one reply


@dataclass(frozen=True)
class Answer:
    reply: str  # plain sentences, for speech and subtitles
    products: tuple[str, ...] = ()  # what the answer is about, best first
    intent: Intent = Intent.UNKNOWN
    entities: Entities = field(default_factory=Entities)
    focus: str | None = None  # the product to bring into focus
    variant: int | None = None  # the colourway of `focus` to show
    add_to_cart: tuple[str, int] | None = None  # (product id, variant index) to add
    navigate: Navigate | None = None
    quantity: int = 1  # how many of `add_to_cart`


@dataclass(frozen=True)
class _Brain:
    parser: IntentParser

    @property
    def catalog(self) -> CatalogSnapshot:
        return self.parser.catalog

    @property
    def lexicon(self) -> Lexicon:
        return self.parser.lexicon

    def items(self, ids: Sequence[str]) -> list[CatalogItem]:
        return self.catalog.pick(ids)


class Assistant:
    """Thread-safe: conversations are guarded one by one, so different sessions answer in parallel."""

    def __init__(
        self,
        catalog: CatalogSnapshot,
        search: ProductSearch,
        recommender: Recommender,
        *,
        memories: Memories | None = None,
    ) -> None:
        self.search = search
        self.recommender = recommender
        self.memories = memories or Memories()
        self._brain = _Brain(IntentParser(catalog))

    @property
    def catalog(self) -> CatalogSnapshot:
        return self._brain.catalog

    def set_catalog(self, snapshot: CatalogSnapshot) -> None:
        """The catalog changed (names, stock, prices): rebuild the lexicon, swap it in atomically."""
        self._brain = _Brain(IntentParser(snapshot))

    def ask(self, text: str, session_key: str | None = None, *, focused: str | None = None) -> Answer:
        """Answer one message. `session_key` keeps a conversation's memory across calls; `focused` is
        the product the showroom shows now (what "this" means)."""
        brain = self._brain
        text = str(text)[:MAX_TEXT]
        if focused is not None and brain.catalog.get(focused) is None:
            focused = None
        memory = self.memories.get(session_key) if session_key is not None else ConversationMemory()
        with memory.lock:
            parsed = brain.parser.parse(text, memory.context(focused))
            try:
                answer, flt, query = _Turn(self, brain, memory, parsed, text, focused).answer()
            except Exception:  # a failing search backend must not leave the shopper without a word
                log.exception("assistant failed to answer %r", text[:80])
                answer = Answer(
                    "Sorry, something went wrong on my side. Please ask me again.",
                    (),
                    parsed.intent,
                    parsed.entities,
                )
                flt, query = None, None
            picked = answer.intent in (Intent.SHOW_VARIANT, Intent.ADD_TO_CART) or (
                answer.intent is Intent.SEARCH and parsed.entities.reference is not None and flt is None
            )
            memory.remember(
                text,
                answer.intent,
                answer.products,
                focus=answer.focus,
                variant=answer.variant,
                flt=flt,
                picked=picked,
            )
            if query is not None:
                memory.last_query = query
        return answer


class _Turn:
    """One question answered: the handlers for each intent share the parse and the memory."""

    def __init__(
        self,
        assistant: Assistant,
        brain: _Brain,
        memory: ConversationMemory,
        parsed: Parsed,
        text: str,
        focused: str | None,
    ) -> None:
        self.search = assistant.search
        self.recommender = assistant.recommender
        self.brain = brain
        self.memory = memory
        self.parsed = parsed
        self.e = parsed.entities
        self.seed = text
        self.focused = focused

    def answer(self) -> tuple[Answer, ProductFilter | None, str | None]:
        intent = self.parsed.intent
        flt: ProductFilter | None = None
        query: str | None = None
        if intent is Intent.SEARCH or intent is Intent.FILTER:
            answer, flt, query = self._search()
        elif intent is Intent.SHOW_VARIANT:
            answer = self._show_variant()
        elif intent is Intent.ADD_TO_CART:
            answer = self._add()
        elif intent is Intent.COMPARE:
            answer = self._compare()
        elif intent is Intent.RECOMMEND:
            answer = self._recommend()
        elif intent is Intent.GO_TO_CART:
            answer = self._reply(replies.go_to_cart(self.seed), navigate="cart")
        elif intent is Intent.CHECKOUT:
            answer = self._reply(replies.go_to_checkout(self.seed), navigate="checkout")
        elif intent is Intent.HELP:
            answer = self._reply(replies.help_text(self.seed))
        elif intent is Intent.SMALL_TALK:
            answer = self._reply(replies.small_talk(self.parsed.detail, self.seed))
        else:
            answer = self._reply(replies.fallback(self.seed))
        return answer, flt, query

    def _reply(self, reply: str, products: Sequence[str] = (), **kwargs: object) -> Answer:
        return Answer(reply, tuple(products), self.parsed.intent, self.e, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------------------------ helpers

    def _targets(self) -> list[CatalogItem]:
        return self.brain.items(self.memory.resolve(self.e, self.brain.catalog, self.focused))

    def _colour_variant(self, item: CatalogItem) -> int | None:
        for colour in self.e.colours:
            index = self.brain.lexicon.variant_for(item, colour)
            if index is not None:
                return index
        return None

    def _filter(self) -> ProductFilter:
        lexicon = self.brain.lexicon
        colours = tuple(dict.fromkeys(name for c in self.e.colours for name in lexicon.colour_names(c)))
        return ProductFilter(
            categories=self.e.categories,
            colours=colours,
            min_price_minor=self.e.min_price_minor,
            max_price_minor=self.e.max_price_minor,
        )

    def _no_colour(self, item: CatalogItem) -> Answer:
        """The colour asked for is not one of the item's: say so, and show the item anyway."""
        return self._reply(replies.no_colour(item, self.e.colours[0], self.seed), [item.id], focus=item.id)

    def _focus_answer(self, item: CatalogItem) -> Answer:
        variant = self._colour_variant(item)  # None when no colour was asked for
        if variant is None and self.e.colours:
            return self._no_colour(item)
        return self._reply(replies.focus(item, self.seed, variant), [item.id], focus=item.id, variant=variant)

    # ----------------------------------------------------------------------------------- handlers

    def _search(self) -> tuple[Answer, ProductFilter | None, str | None]:
        e = self.e
        selecting = e.reference in ("first", "second", "third", "last", "this") or (
            e.reference in ("cheaper", "pricier") and self.parsed.intent is Intent.SEARCH and not e.categories
            and not e.query and (self.memory.results or self.focused or self.memory.focused)
        )  # fmt: skip
        if e.products:
            items = self.brain.items(e.products)
            if len(items) == 1:
                return self._focus_answer(items[0]), None, None
            return (
                self._reply(replies.found(items, self.seed), [i.id for i in items], focus=items[0].id),
                None,
                None,
            )
        if selecting:
            targets = self._targets()
            if targets:
                return self._focus_answer(targets[0]), None, None
            return self._reply(replies.need_product(self.seed, "show")), None, None
        flt = self._filter()
        query = e.query
        if self.parsed.intent is Intent.FILTER:
            flt, query = self._refine(flt)
        hits = self.search.search(query, flt, limit=RESULTS)
        items = self.brain.items([h.product_id for h in hits])
        if e.reference in ("cheaper", "pricier"):
            items.sort(key=lambda it: it.price_minor, reverse=e.reference == "pricier")
        if not items:
            return self._nothing(query, flt), flt, query
        first = items[0]
        variant = self._colour_variant(first)
        answer = self._reply(
            replies.found(items, self.seed), [i.id for i in items], focus=first.id, variant=variant
        )
        return answer, flt, query

    def _refine(self, flt: ProductFilter) -> tuple[ProductFilter, str]:
        """A follow-up narrows what was asked before: "under 500", "in blue", "anything cheaper?"."""
        base = self.memory.last_filter or ProductFilter()
        e = self.e
        merged = ProductFilter(
            categories=flt.categories or base.categories,
            colours=flt.colours or base.colours,
            min_price_minor=flt.min_price_minor if flt.min_price_minor is not None else base.min_price_minor,
            max_price_minor=flt.max_price_minor if flt.max_price_minor is not None else base.max_price_minor,
            in_stock_only=base.in_stock_only,
        )
        shown = self.brain.items(self.memory.results or ([self.focused] if self.focused else []))
        if e.reference == "cheaper" and shown and flt.max_price_minor is None:
            merged = replace(merged, max_price_minor=min(i.price_minor for i in shown) - 1)
        elif e.reference == "pricier" and shown and flt.min_price_minor is None:
            merged = replace(merged, min_price_minor=max(i.price_minor for i in shown) + 1)
        low, high = merged.min_price_minor, merged.max_price_minor
        if low is not None and high is not None and low > high:  # a new bound replaces a contradicting one
            merged = replace(merged, min_price_minor=flt.min_price_minor, max_price_minor=flt.max_price_minor)
        query = self.e.query or self.memory.last_query
        return merged, query

    def _nothing(self, query: str, flt: ProductFilter) -> Answer:
        """Nothing matched: say what was asked and offer the closest thing without the price bound
        (then without the colour), so the shopper always hears a real product."""
        currency = self.brain.catalog.items[0].currency if self.brain.catalog.items else "EUR"
        why_parts = []
        low, high = flt.min_price_minor, flt.max_price_minor
        if low is not None and high is not None:
            why_parts.append(f"between {replies.price(low, currency)} and {replies.price(high, currency)}")
        elif high is not None:
            why_parts.append(f"under {replies.price(high + (1 if high % 100 == 99 else 0), currency)}")
        elif low is not None:
            why_parts.append(f"over {replies.price(low, currency)}")
        if self.e.colours:
            why_parts.insert(0, f"in {replies.join(list(self.e.colours), 'or')}")
        what = f"in {replies.join([c.lower() for c in flt.categories], 'or')}" if flt.categories else ""
        closest: CatalogItem | None = None
        for relaxed in (
            replace(flt, min_price_minor=None, max_price_minor=None),
            replace(flt, min_price_minor=None, max_price_minor=None, colours=()),
        ):
            if relaxed == flt:
                continue
            hits = self.search.search(query, relaxed, limit=RESULTS)
            candidates = self.brain.items([h.product_id for h in hits])
            if candidates:
                target = high if high is not None else low
                closest = (
                    min(candidates, key=lambda it: abs(it.price_minor - target))
                    if target is not None
                    else candidates[0]
                )
                break
        reply = replies.nothing_found(self.seed, what=what, closest=closest, why=" ".join(why_parts))
        if closest is None:
            return self._reply(reply)
        return self._reply(reply, [closest.id], focus=closest.id)

    def _show_variant(self) -> Answer:
        targets = self._targets()
        if not targets:
            return self._reply(replies.need_product(self.seed, "show"))
        item = targets[0]
        if not self.e.colours:
            return self._reply(replies.colourways(item, self.seed), [item.id], focus=item.id)
        variant = self._colour_variant(item)
        if variant is None:
            return self._no_colour(item)
        return self._reply(
            replies.variant_shown(item, variant, self.seed), [item.id], focus=item.id, variant=variant
        )

    def _add(self) -> Answer:
        targets = self._targets()
        if not targets:
            return self._reply(replies.need_product(self.seed, "add to your cart"))
        item = targets[0]
        if self.e.colours:
            variant = self._colour_variant(item)
            if variant is None:
                return self._no_colour(item)
        else:
            shown = self.memory.variants.get(item.id)
            in_stock = next((i for i, v in enumerate(item.variants) if v.stock > 0), 0)
            variant = shown if shown is not None and shown < len(item.variants) else in_stock
        quantity = self.e.quantity or 1
        stock = item.variants[variant].stock
        if stock <= 0:
            return self._reply(
                replies.cant_add(item, variant, self.seed), [item.id], focus=item.id, variant=variant
            )
        if quantity > stock:
            reply = replies.short_stock(item, variant, quantity, self.seed)
            return self._reply(reply, [item.id], focus=item.id, variant=variant)
        return self._reply(
            replies.added(item, variant, quantity, self.seed),
            [item.id],
            focus=item.id,
            variant=variant,
            add_to_cart=(item.id, variant),
            quantity=quantity,
        )

    def _compare(self) -> Answer:
        """Named products, completed from the conversation: "compare it with the sofa", "compare them"."""
        ids = list(self.e.products)
        shown = (self.focused or self.memory.focused, *self.memory.results)
        context = [p for p in dict.fromkeys(shown) if p and self.brain.catalog.get(p) is not None]
        if len(ids) == 1:
            ids += [p for p in context if p not in ids][:1]
        elif not ids:
            ids = list(self.memory.results[:3]) if len(self.memory.results) >= 2 else context[:2]
        items = self.brain.items(ids)
        if len(items) < 2:
            return self._reply(replies.need_product(self.seed, "compare"))
        return self._reply(replies.compare(items, self.seed), [i.id for i in items])

    def _recommend(self) -> Answer:
        base = self.brain.items(self.e.products) or self._targets()
        if not base and self.memory.results:
            base = self.brain.items(self.memory.results[:1])
        flt = self._filter()
        similar = self.parsed.detail == "similar"
        base_ids = [b.id for b in base]
        hits: list[Hit]
        if base and similar:
            hits = self.search.similar(base_ids[0], flt, limit=RESULTS)
        elif base:
            hits = self.recommender.related(base_ids, limit=RESULTS * 2, exclude=base_ids)
        else:
            hits = self.search.search(self.e.query, flt, limit=RESULTS)
        items = [it for it in self.brain.items([h.product_id for h in hits]) if _passes(it, flt)]
        items = [it for it in items if it.id not in base_ids][:SUGGESTIONS]
        reply = replies.recommended(base, items, self.seed, similar=similar)
        ids = [it.id for it in items]
        return self._reply(reply, ids, focus=ids[0] if ids else None)


def _passes(item: CatalogItem, flt: ProductFilter) -> bool:
    """The recommender takes no filter: apply the shopper's constraints to what it suggests."""
    if flt.categories and item.category not in flt.categories:
        return False
    if flt.max_price_minor is not None and item.price_minor > flt.max_price_minor:
        return False
    if flt.min_price_minor is not None and max(v.price_minor for v in item.variants) < flt.min_price_minor:
        return False
    wanted = [c.casefold() for c in flt.colours]
    return not wanted or any(c in v.name.casefold() for c in wanted for v in item.variants)
