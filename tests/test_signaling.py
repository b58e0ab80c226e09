"""Signaling: offers that work, and hostile or broken ones that get a 4xx and leak nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from holoshop.config import Settings
from holoshop.server import create_app
from tests.rtc_helpers import offer_sdp

GOOD = offer_sdp()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(
        width=320,
        height=180,
        fps=15,
        models_dir=None,
        layout=None,
        environment="studio",
        max_texture_size=128,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def metric(client: TestClient, name: str) -> float:
    text = client.get("/metrics").text
    match = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def assert_nothing_leaked(client: TestClient) -> None:
    assert client.get("/readyz").json()["sessions"] == 0
    assert metric(client, "holoshop_viewers") == 0


def test_rtc_config_hands_out_no_ice_servers_by_default(client: TestClient) -> None:
    assert client.get("/rtc/config").json() == {"ice_servers": []}


def test_good_offer_is_answered_then_the_session_can_be_ended(client: TestClient) -> None:
    response = client.post("/rtc/offer", json={"sdp": GOOD, "type": "offer", "width": 160, "height": 90})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "answer" and body["sdp"].startswith("v=0")
    assert body["codec"] == "h264" and (body["width"], body["height"]) == (160, 90)
    assert re.fullmatch(r"[0-9a-f]{32}", body["session_id"])
    assert client.get("/readyz").json()["sessions"] == 1
    assert client.delete(f"/rtc/sessions/{body['session_id']}").status_code == 204
    assert_nothing_leaked(client)


def test_vp8_can_be_preferred(client: TestClient) -> None:
    response = client.post("/rtc/offer", json={"sdp": GOOD, "type": "offer", "codec": "vp8"})
    assert response.status_code == 200 and response.json()["codec"] == "vp8"
    assert "VP8/90000" in response.json()["sdp"]
    client.delete(f"/rtc/sessions/{response.json()['session_id']}")
    assert_nothing_leaked(client)


def _only_codec(sdp: str, name: str) -> str:
    """Rewrite an offer so its video section lists a single, unsupported codec."""
    lines = sdp.splitlines()
    out, in_video = [], False
    for line in lines:
        if line.startswith("m="):
            in_video = line.startswith("m=video")
            if in_video:
                port_proto = line.split()[:3]
                line = " ".join([*port_proto, "120"])
        elif in_video and (
            line.startswith("a=rtpmap") or line.startswith("a=fmtp") or line.startswith("a=rtcp-fb")
        ):
            continue
        out.append(line)
        if line.startswith("m=video"):
            out.append(f"a=rtpmap:120 {name}/90000")
    return "\r\n".join(out) + "\r\n"


HOSTILE: list[tuple[str, Any, int, str]] = [
    ("not sdp", {"sdp": "hello", "type": "offer"}, 400, "malformed offer"),
    ("truncated sdp", {"sdp": GOOD[: len(GOOD) // 3], "type": "offer"}, 400, ""),
    ("garbage lines", {"sdp": "v=0\r\nm=video x y z\r\n\x00\x01", "type": "offer"}, 400, "malformed offer"),
    ("an answer", {"sdp": GOOD, "type": "answer"}, 422, "offer"),
    ("no sdp", {"type": "offer"}, 422, "sdp"),
    ("empty sdp", {"sdp": "", "type": "offer"}, 422, "sdp"),
    ("oversized sdp", {"sdp": GOOD + "a=x\r\n" * 20000, "type": "offer"}, 422, "sdp"),
    ("unknown field", {"sdp": GOOD, "type": "offer", "admin": True}, 422, "admin"),
    ("odd width", {"sdp": GOOD, "type": "offer", "width": 321, "height": 180}, 422, "even"),
    ("width alone", {"sdp": GOOD, "type": "offer", "width": 320}, 422, "both"),
    ("huge size", {"sdp": GOOD, "type": "offer", "width": 8000, "height": 8000}, 422, "width"),
    ("zero fps", {"sdp": GOOD, "type": "offer", "fps": 0}, 422, "fps"),
    ("unknown codec", {"sdp": GOOD, "type": "offer", "codec": "h265"}, 422, "codec"),
    ("session id not hex", {"sdp": GOOD, "type": "offer", "session_id": "../../etc"}, 422, "session_id"),
    ("unknown session", {"sdp": GOOD, "type": "offer", "session_id": "ab" * 16}, 404, "no session"),
    ("no video", {"sdp": offer_sdp(video=None), "type": "offer"}, 400, "no video section"),
    ("send-only video", {"sdp": offer_sdp(video="sendonly"), "type": "offer"}, 400, "not receivable"),
    ("only AV1", {"sdp": _only_codec(GOOD, "AV1"), "type": "offer"}, 415, "no common video codec"),
]


@pytest.mark.parametrize(("case", "body", "status", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_offer_gets_a_reason_and_leaks_nothing(
    client: TestClient, case: str, body: Any, status: int, reason: str
) -> None:
    response = client.post("/rtc/offer", json=body)
    assert response.status_code == status, f"{case}: {response.status_code} {response.text[:300]}"
    assert reason.lower() in response.text.lower()
    assert_nothing_leaked(client)


def test_invalid_json_body_is_422(client: TestClient) -> None:
    response = client.post("/rtc/offer", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert_nothing_leaked(client)


def test_ending_an_unknown_session_is_404(client: TestClient) -> None:
    response = client.delete("/rtc/sessions/" + "cd" * 16)
    assert response.status_code == 404 and "no session" in response.json()["detail"]


def test_metrics_count_offers(client: TestClient) -> None:
    text = client.get("/metrics").text
    assert re.search(r'^holoshop_offers_total\{result="rejected"\} [1-9]', text, re.MULTILINE)
    assert re.search(r'^holoshop_offers_total\{result="accepted"\} [1-9]', text, re.MULTILINE)


def test_configured_ice_servers_are_handed_to_the_client() -> None:
    turn = {"urls": ["turn:turn.example.net:3478?transport=udp"], "username": "shop", "credential": "s3cret"}
    settings = Settings(
        width=160,
        height=90,
        models_dir=None,
        layout=None,
        environment="studio",
        max_texture_size=64,
        ice_servers=[turn, {"urls": ["stun:stun.example.net:3478"]}],
    )
    with TestClient(create_app(settings)) as c:
        servers = c.get("/rtc/config").json()["ice_servers"]
    assert servers == [turn, {"urls": ["stun:stun.example.net:3478"], "username": None, "credential": None}]
