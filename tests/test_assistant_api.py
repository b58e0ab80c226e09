"""`POST /api/assistant/ask` on the embedded server: the real brain (MiniLM embeddings, the shop's
full-text search, the recommender) over the shop's own database, with what bad input gets."""

from __future__ import annotations

import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from commerce_api import interactions
from commerce_api.db import make_engine, session_factory
from holoshop.cli import app
from holoshop.config import Settings
from holoshop.server import create_app

LAMP, SOFA, CHAIR, VASE, MUG = (
    "luma-floor-lamp",
    "haven-three-seat-sofa",
    "oslo-lounge-chair",
    "dune-ceramic-vase",
    "kaffe-stoneware-mug",
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    folder = tmp_path_factory.mktemp("assistant-api")
    url = f"sqlite:///{folder / 'shop.db'}"
    settings = Settings(
        render=False,
        database_url=url,
        assistant_dir=folder / "assistant",
        assistant_retrain_minutes=0.02,  # the schedule, every 1.2 s: the test sees it hand models over
        assistant_voice="",
    )
    with TestClient(create_app(settings)) as client:
        yield client, url


def ask(client: TestClient, text: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/assistant/ask", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"reply", "products", "intent"}
    return body


def test_a_wish_in_plain_words_finds_real_products_with_prices(shop: tuple[TestClient, str]) -> None:
    client, _ = shop
    body = ask(client, "something comfy to sit on under 2000")
    assert body["intent"] in ("search", "filter")
    assert {CHAIR, SOFA} <= set(body["products"][:3])
    assert "€" in body["reply"] and ("Oslo" in body["reply"] or "Haven" in body["reply"])
    cheap = ask(client, "something to sit on under 700")
    assert cheap["products"][0] == CHAIR and SOFA not in cheap["products"]  # the sofa costs €1,890


def test_a_session_remembers_the_last_answer(shop: tuple[TestClient, str]) -> None:
    client, _ = shop
    first = ask(client, "something comfy to sit on", session_id="memory-1")
    assert {CHAIR, SOFA} <= set(first["products"])
    cheaper = ask(client, "the cheaper one", session_id="memory-1")
    assert cheaper["products"][0] == CHAIR
    red = ask(client, "in rust", session_id="memory-1")
    assert red["intent"] == "show_variant" and red["products"][0] == CHAIR and "Rust" in red["reply"]
    # Another session has no such memory.
    other = ask(client, "the cheaper one", session_id="memory-2")
    assert other["products"] != [CHAIR] or other["intent"] != "show_variant"


def test_what_it_does_not_understand_gets_a_helpful_fallback(shop: tuple[TestClient, str]) -> None:
    client, _ = shop
    body = ask(client, "qzxv blorp wug")
    assert body["intent"] == "unknown" and body["products"] == []
    assert "lamp" in body["reply"].lower() or "ask" in body["reply"].lower()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 501}, "text"),
        ({"text": "a lamp\u0000"}, "body"),
        ({"text": "a lamp", "session_id": "no spaces allowed"}, "session_id"),
        ({"text": "a lamp", "session_id": "x" * 65}, "session_id"),
        ({"text": "a lamp", "extra": 1}, "extra"),
        ({"text": 42}, "text"),
    ],
)
def test_bad_requests_get_422_naming_the_field(
    shop: tuple[TestClient, str], body: dict[str, Any], where: str
) -> None:
    client, _ = shop
    response = client.post("/api/assistant/ask", json=body)
    assert response.status_code == 422, response.text
    assert where in response.text


def test_invalid_json_gets_422(shop: tuple[TestClient, str]) -> None:
    client, _ = shop
    response = client.post(
        "/api/assistant/ask", content=b'{"text": "a lamp"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "json" in response.text.lower()


def test_the_endpoint_is_documented(shop: tuple[TestClient, str]) -> None:
    client, _ = shop
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/assistant/ask"]["post"]
    assert operation["tags"] == ["assistant"]
    assert "AskRequest" in str(operation["requestBody"])


def test_recommendations_follow_what_shoppers_buy_once_the_schedule_retrains(
    shop: tuple[TestClient, str],
) -> None:
    client, url = shop
    before = ask(client, "what goes with the lamp?")
    assert before["intent"] == "recommend" and LAMP not in before["products"]
    assert MUG not in before["products"][:2]  # by content a mug has little to do with a floor lamp
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session, session.begin():
            rows = []
            for k in range(40):  # forty orders of the lamp with the mug
                rows += [(f"order:o{k}", LAMP, "order"), (f"order:o{k}", MUG, "order")]
            interactions.record_many(session, rows)
    finally:
        engine.dispose()
    deadline = time.monotonic() + 120
    while True:
        after = ask(client, "what goes with the lamp?")
        if after["products"] and after["products"][0] == MUG:
            break
        assert time.monotonic() < deadline, f"the mug never came first: {after}"
        time.sleep(0.5)
    assert after["products"] != before["products"]
    assert "Kaffe Stoneware Mug" in after["reply"]


def test_the_assistant_is_off_when_configured_off(tmp_path: Path) -> None:
    settings = Settings(render=False, database_url=f"sqlite:///{tmp_path / 'shop.db'}", assistant=False)
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/assistant/ask", json={"text": "a lamp"}).status_code == 404


def test_the_cli_asks_over_the_configured_shop_and_can_speak_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLOSHOP_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")  # no products yet
    monkeypatch.setenv("HOLOSHOP_ASSISTANT_DIR", str(tmp_path / "assistant"))
    runner = CliRunner()
    assert "--speak" in runner.invoke(app, ["assistant", "ask", "--help"]).output
    wav = tmp_path / "reply.wav"
    result = runner.invoke(app, ["assistant", "ask", "a lamp under 300", "--speak", str(wav)])
    assert result.exit_code == 0, result.output
    assert "seeding the catalog" in result.output and "Luma Floor Lamp" in result.output
    assert f"products: {LAMP}" in result.output
    with wave.open(str(wav)) as spoken:
        seconds = spoken.getnframes() / spoken.getframerate()
        samples = np.frombuffer(spoken.readframes(spoken.getnframes()), np.int16)
    assert spoken.getframerate() == 48_000 and 1.0 < seconds < 15.0
    assert float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) > 500  # speech, not silence
    empty = runner.invoke(app, ["assistant", "ask"])
    assert empty.exit_code == 2 and "Missing argument" in empty.output
