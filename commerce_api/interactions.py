"""Interaction events: who looked at, carted or bought which product, for the assistant to learn from.

Written on the shop's hot paths (a product page read, a cart add, an order paid), so each is one
plain INSERT in the caller's transaction: committed with its effect or not at all, and never a
read first. Functions here never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Row, delete, insert, literal, select
from sqlalchemy.orm import Session

from commerce_api.models import INTERACTION_KINDS, InteractionEvent, OrderLine, UtcDateTime, Variant

__all__ = [
    "DEFAULT_LIMIT",
    "account_subject",
    "cart_subject",
    "events",
    "order_subject",
    "prune",
    "record",
    "record_many",
    "record_order",
    "showroom_subject",
]

DEFAULT_LIMIT = 100_000


def account_subject(account_id: int) -> str:
    return f"account:{account_id}"


def cart_subject(token: str) -> str:
    """A guest cart by a hash of its token: the token is a capability and must not sit in a log."""
    return "cart:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def order_subject(order_id: str) -> str:
    return f"order:{order_id}"


def showroom_subject(session_id: str) -> str:
    """A render-node session: what its viewers focused on and inspected together."""
    return f"showroom:{session_id}"


def _check(kind: str) -> None:
    if kind not in INTERACTION_KINDS:
        raise ValueError(f"unknown interaction kind {kind!r}; one of {', '.join(INTERACTION_KINDS)}")


def record(session: Session, subject: str, product_id: str, kind: str, now: datetime | None = None) -> None:
    """One event, one INSERT."""
    _check(kind)
    session.execute(
        insert(InteractionEvent).values(
            subject=subject, product_id=product_id, kind=kind, created_at=now or datetime.now(UTC)
        )
    )


def record_many(session: Session, rows: Iterable[tuple[str, str, str]], now: datetime | None = None) -> int:
    """(subject, product_id, kind) rows in one multi-row INSERT; how many."""
    when = now or datetime.now(UTC)
    values = []
    for subject, product_id, kind in rows:
        _check(kind)
        values.append({"subject": subject, "product_id": product_id, "kind": kind, "created_at": when})
    if values:
        session.execute(insert(InteractionEvent), values)
    return len(values)


def record_order(session: Session, order_id: str, subject: str, now: datetime | None = None) -> None:
    """An `order` event per product of the order's lines, in one INSERT ... SELECT (no round trip
    to read the lines first; lines whose variant was deleted are skipped)."""
    products = (
        select(
            literal(subject),
            Variant.product_id,
            literal("order"),
            literal(now or datetime.now(UTC), UtcDateTime()),
        )
        .select_from(OrderLine)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(OrderLine.order_id == order_id)
        .distinct()
    )
    session.execute(
        insert(InteractionEvent).from_select(["subject", "product_id", "kind", "created_at"], products)
    )


def events(
    session: Session, since: datetime | None = None, limit: int = DEFAULT_LIMIT
) -> Sequence[Row[str, str, str, datetime]]:
    """Events after `since` (all without) as (subject, product_id, kind, created_at) rows, oldest
    first; the newest `limit` when there are more. Plain rows: training reads up to millions."""
    e = InteractionEvent
    statement = select(e.subject, e.product_id, e.kind, e.created_at).order_by(
        InteractionEvent.created_at.desc(), InteractionEvent.id.desc()
    )
    if since is not None:
        statement = statement.where(InteractionEvent.created_at > since)
    newest = list(session.execute(statement.limit(limit)).all())
    newest.reverse()
    return newest


def prune(session: Session, older_than: datetime) -> int:
    """Deletes the events from before `older_than`; how many."""
    result = session.execute(delete(InteractionEvent).where(InteractionEvent.created_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)
