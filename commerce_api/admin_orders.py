"""Staff operations on orders, behind /api/admin/orders: browse, inspect the audit trail, fulfil.

Refunds go through `refunds.refund_order` (the provider first, then the order, once); fulfilment is
a plain state change, `paid -> fulfilled`, written with its event in one transaction under the
order's row lock, so a refund or webhook racing it sees one outcome or the other, never both.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commerce_api.admin_order_schemas import AdminOrderPage, AdminOrderRead, OrderEventRead
from commerce_api.db import begin_write
from commerce_api.models import Order, OrderEvent
from commerce_api.order_schemas import OrderRead, OrderStatus
from commerce_api.orders import InvalidTransition, get_order, read_order, transition
from commerce_api.payments.base_provider import PaymentProvider
from commerce_api.refunds import refund_order

__all__ = ["fulfil_order", "list_orders", "order_detail", "refund"]


def list_orders(
    session: Session, status: OrderStatus | None = None, limit: int = 50, offset: int = 0
) -> AdminOrderPage:
    """Orders newest first (id breaks ties, so pages never overlap), optionally of one status."""
    where = [Order.status == status] if status is not None else []
    total = session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    rows = session.scalars(
        select(Order).where(*where).order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset)
    )
    return AdminOrderPage(items=[read_order(o) for o in rows], total=total, limit=limit, offset=offset)


def order_detail(session: Session, order_id: str) -> AdminOrderRead:
    """The order with its account and every status change, oldest first; `OrderNotFound`."""
    order = get_order(session, order_id)
    events = session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    )
    return AdminOrderRead(
        **read_order(order).model_dump(),
        account_id=order.account_id,
        updated_at=order.updated_at,
        events=[
            OrderEventRead(from_status=e.from_status, to_status=e.to_status, reason=e.reason, at=e.created_at)
            for e in events
        ],
    )


def fulfil_order(sessions: sessionmaker[Session], order_id: str, by: str) -> OrderRead:
    """Marks a paid order shipped; `InvalidTransition` for any other status, `OrderNotFound`."""
    with sessions() as session, session.begin():
        begin_write(session)
        order = get_order(session, order_id, for_update=True)
        transition(session, order, "fulfilled", f"fulfilled by {by}"[:200])
        return read_order(order)


def refund(
    sessions: sessionmaker[Session], provider: PaymentProvider, order_id: str, reason: str, restock: bool
) -> OrderRead:
    """`refunds.refund_order` for staff, who are told (`InvalidTransition`) when the order was refunded
    already rather than shown it again: a second click must not look like a second refund. Two racing
    requests still refund once (the provider's idempotency key and the refund row's uniqueness)."""
    with sessions() as session:
        if get_order(session, order_id).status == "refunded":
            raise InvalidTransition("the order is refunded already")
    return refund_order(sessions, provider, order_id, reason, restock=restock)
