"""Idempotency keys: a retried request with the same key and body gets the first answer again.

A key is bound to a hash of what was asked (the body and who asked), so the same key sent with a
different request is refused with 409 rather than silently answered with another request's result.
A record is written in the transaction that does the work (`status_code` 0 while the work is still
in flight, e.g. waiting on a payment provider) and completed with the answer once it is known.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["IN_FLIGHT", "IdempotencyConflict", "request_hash"]

IN_FLIGHT = 0


class IdempotencyConflict(Exception):
    """The key was used before for a different request: 409."""


def request_hash(body: dict[str, Any], principal: str) -> str:
    canonical = json.dumps({"body": body, "by": principal}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
