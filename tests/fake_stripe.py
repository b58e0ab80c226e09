"""A small local Stripe for the tests: a real HTTP server that the real `stripe` library talks to.

The machine cannot reach Stripe, so this is the one stand-in: it answers the few endpoints the
provider calls, form-encoded in and JSON out like Stripe, with Stripe's idempotency rules (a key
replays its first answer; the same key with other parameters is a 400 `idempotency_error`), its
test payment methods, a switch for outages, and webhook payloads signed like Stripe signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl

__all__ = ["FakeStripe", "Outage", "fake_stripe", "signature_header", "webhook_event"]

Outage = Literal["none", "500", "drop"]
JsonObject = dict[str, Any]

SUCCEEDS = "pm_card_visa"
DECLINES = "pm_card_chargeDeclined"
NEEDS_ACTION = "pm_card_threeDSecureRequired"


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _error(kind: str, message: str, **extra: Any) -> JsonObject:
    return {"error": {"type": kind, "message": message, **extra}}


def _copy(obj: JsonObject) -> JsonObject:
    copied: JsonObject = json.loads(json.dumps(obj))
    return copied


def _nest(pairs: list[tuple[str, str]]) -> JsonObject:
    """`metadata[order_id]=x` -> {"metadata": {"order_id": "x"}}, as Stripe reads form bodies."""
    params: JsonObject = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target = params
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return params


@dataclass
class FakeStripe:
    """The server's state: what was created, counted, and the switches the tests turn."""

    api_key: str
    intents: dict[str, JsonObject] = field(default_factory=dict)
    refunds: dict[str, JsonObject] = field(default_factory=dict)
    outage: Outage = "none"
    fail_next: int = 0  # this many requests answer 500 before the outage setting applies
    requests: list[tuple[str, str]] = field(default_factory=list)
    _idempotent: dict[str, tuple[str, int, JsonObject]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    # -- what the tests drive ---------------------------------------------------------------

    def complete_action(self, intent_id: str, succeed: bool = True) -> JsonObject:
        """The shopper passes (or fails) 3-D Secure: the intent moves on; returns it for a webhook."""
        with self._lock:
            intent = self.intents[intent_id]
            if succeed:
                self._charge(intent)
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {"type": "card_error", "message": "authentication failed"}
            return _copy(intent)

    def refunds_of(self, intent_id: str) -> list[JsonObject]:
        return [r for r in self.refunds.values() if r["payment_intent"] == intent_id]

    # -- the API ----------------------------------------------------------------------------

    def _charge(self, intent: JsonObject) -> None:
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = intent.get("latest_charge") or _id("ch")
        intent["last_payment_error"] = None

    def _confirm(self, intent: JsonObject, method: str | None) -> tuple[int, JsonObject]:
        method = method or intent.get("payment_method")
        intent["payment_method"] = method
        if method == SUCCEEDS:
            self._charge(intent)
        elif method == NEEDS_ACTION:
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "use_stripe_sdk"}
        elif method == DECLINES:
            intent["status"] = "requires_payment_method"
            intent["latest_charge"] = _id("ch")
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "charge": intent["latest_charge"],
            }
            intent["last_payment_error"] = error
            return 402, {"error": {**error, "payment_intent": _copy(intent)}}
        else:
            return 400, _error(
                "invalid_request_error",
                f"No such PaymentMethod: '{method}'",
                code="resource_missing",
                param="payment_method",
            )
        return 200, intent

    def create_intent(self, params: JsonObject) -> tuple[int, JsonObject]:
        try:
            amount = int(params["amount"])
            currency = str(params["currency"])
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "Missing required param: amount.", param="amount")
        if currency != currency.lower() or amount < 1:
            return 400, _error("invalid_request_error", "Invalid currency or amount.", param="currency")
        intent_id = _id("pi")
        intent: JsonObject = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "metadata": params.get("metadata", {}),
            "receipt_email": params.get("receipt_email"),
            "payment_method": params.get("payment_method"),
            "automatic_payment_methods": params.get("automatic_payment_methods"),
            "last_payment_error": None,
            "latest_charge": None,
            "next_action": None,
            "livemode": False,
            "created": int(time.time()),
        }
        self.intents[intent_id] = intent
        if params.get("confirm") == "true":
            return self._confirm(intent, params.get("payment_method"))
        return 200, intent

    def create_refund(self, params: JsonObject) -> tuple[int, JsonObject]:
        intent = self.intents.get(str(params.get("payment_intent")))
        if intent is None:
            return 400, _error("invalid_request_error", "No such payment_intent", param="payment_intent")
        if intent["status"] != "succeeded":
            return 400, _error("invalid_request_error", "This PaymentIntent has not succeeded.")
        refunded = sum(r["amount"] for r in self.refunds_of(intent["id"]))
        amount = int(params.get("amount", intent["amount"] - refunded))
        if amount < 1 or refunded + amount > intent["amount"]:
            return 400, _error(
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge",
                code="amount_too_large",
            )
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "reason": params.get("reason"),
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def handle(self, method: str, path: str, params: JsonObject, key: str | None) -> tuple[int, JsonObject]:
        """One API call, replayed from its Idempotency-Key when seen before, as Stripe does for POSTs."""
        with self._lock:
            self.requests.append((method, path))
            fingerprint = json.dumps([method, path, params], sort_keys=True)
            if method == "POST" and key is not None and key in self._idempotent:
                seen, status, body = self._idempotent[key]
                if seen != fingerprint:
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                    )
                return status, _copy(body)
            status, body = self._route(method, path, params)
            if method == "POST" and key is not None and status < 500:
                self._idempotent[key] = (fingerprint, status, _copy(body))
            return status, _copy(body)

    def _route(self, method: str, path: str, params: JsonObject) -> tuple[int, JsonObject]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "payment_intents"]:
            return self.create_intent(params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self.create_refund(params)
        if len(parts) >= 3 and parts[:2] == ["v1", "payment_intents"] and parts[2] in self.intents:
            intent = self.intents[parts[2]]
            if method == "GET" and len(parts) == 3:
                return 200, intent
            if method == "POST" and parts[3:] == ["confirm"]:
                return self._confirm(intent, params.get("payment_method"))
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path})")

    @property
    def created_intents(self) -> int:
        return sum(1 for m, p in self.requests if (m, p.rstrip("/")) == ("POST", "/v1/payment_intents"))


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests say what failed
            pass

        def _answer(self, status: int, body: JsonObject) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req"))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            if fake.outage == "drop":
                self.close_connection = True
                self.connection.close()
                return
            with fake._lock:
                failing = fake.fail_next > 0
                fake.fail_next -= failing
            if failing or fake.outage == "500":
                self._answer(500, _error("api_error", "Something went wrong on Stripe's end."))
                return
            if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                self._answer(401, _error("invalid_request_error", "Invalid API Key provided"))
                return
            params = _nest(parse_qsl(raw or query, keep_blank_values=True))
            status, body = fake.handle(method, path, params, self.headers.get("Idempotency-Key"))
            self._answer(status, body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


@contextmanager
def fake_stripe(api_key: str = "sk_test_holoshop_fake") -> Iterator[FakeStripe]:
    """A running fake on a free loopback port (its base URL in `.url`), stopped on exit."""
    fake = FakeStripe(api_key=api_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def webhook_event(kind: str, obj: JsonObject, event_id: str | None = None) -> bytes:
    """An event payload as Stripe posts it: `{"id": "evt_...", "type": kind, "data": {"object": obj}}`."""
    event = {
        "id": event_id or _id("evt"),
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """`Stripe-Signature` as Stripe documents it: `t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
