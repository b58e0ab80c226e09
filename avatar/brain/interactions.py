"""What shoppers did with products, as the recommender learns from it: no database handles.

The commerce API logs these as rows (`commerce_api.interactions`); `holoshop` turns the rows into
`Interaction`s, because the brain knows nothing of the shop's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

__all__ = ["KINDS", "KIND_WEIGHTS", "Interaction", "InteractionKind"]

InteractionKind = Literal["view", "inspect", "cart_add", "order"]
KINDS: tuple[InteractionKind, ...] = get_args(InteractionKind)

# How much one event says about a shopper wanting a product: paying says far more than looking.
KIND_WEIGHTS: dict[InteractionKind, float] = {"view": 1.0, "inspect": 2.0, "cart_add": 4.0, "order": 8.0}


@dataclass(frozen=True)
class Interaction:
    subject: str  # who: "account:7", "cart:<hash>", "order:<id>", a showroom session
    product_id: str
    kind: InteractionKind
    at: datetime  # aware UTC
