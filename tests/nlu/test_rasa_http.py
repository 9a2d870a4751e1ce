"""RasaNlu against a fake Rasa server: answers, fallback, timeouts and the circuit breaker."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from outreach_bot.nlu.base import Prediction
from outreach_bot.nlu.rasa_http import (
    CircuitState,
    RasaNlu,
    RasaUnavailableError,
    prediction_from_rasa,
)

TIMEOUT = 0.2
COOLDOWN = 30.0


@dataclass
class FakeRasa:
    """What the fake server answers next, and what it was asked."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_parse(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "slow":
            # Held until the test ends, far longer than the client's timeout.
            await asyncio.wait_for(self.release.wait(), timeout=5)
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "garbage":
            return web.Response(text="<html>proxy error</html>", content_type="text/html")
        if self.mode == "fallback":
            return web.json_response(
                {
                    "text": body["text"],
                    "intent": {"name": "nlu_fallback", "confidence": 0.5},
                    "intent_ranking": [
                        {"name": "nlu_fallback", "confidence": 0.5},
                        {"name": "find_job", "confidence": 0.31},
                        {"name": "housing", "confidence": 0.22},
                    ],
                }
            )
        return web.json_response(
            {
                "text": body["text"],
                "intent": {"name": "housing", "confidence": 0.93},
                "entities": [],
                "intent_ranking": [
                    {"name": "housing", "confidence": 0.93},
                    {"name": "find_job", "confidence": 0.04},
                ],
            }
        )


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingFallback:
    """Stands in for the embedded classifier and remembers what it was asked."""

    name = "embedded"

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def parse(self, text: str) -> Prediction:
        self.texts.append(text)
        return Prediction("find_job", 0.77, backend=self.name)


@pytest.fixture(name="fake_rasa")
def _fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(name="server")
async def _server(fake_rasa: FakeRasa, aiohttp_server: Any) -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_post("/model/parse", fake_rasa.on_parse)
    server: TestServer = await aiohttp_server(app)
    yield server
    fake_rasa.release.set()


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="fallback")
def _fallback() -> RecordingFallback:
    return RecordingFallback()


@pytest.fixture(name="nlu")
async def _nlu(
    server: TestServer, fallback: RecordingFallback, clock: FakeClock
) -> AsyncIterator[RasaNlu]:
    nlu = RasaNlu(
        str(server.make_url("/")),
        fallback=fallback,
        timeout=TIMEOUT,
        failure_threshold=3,
        cooldown=COOLDOWN,
        clock=clock,
    )
    yield nlu
    await nlu.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_rasa_intent_and_confidence_are_returned(
    nlu: RasaNlu, fake_rasa: FakeRasa, fallback: RecordingFallback
) -> None:
    """A healthy Rasa server decides the intent and its confidence."""
    prediction = await nlu.parse("je cherche un appart")

    assert prediction == Prediction("housing", 0.93, backend="rasa")
    assert fake_rasa.requests == [{"text": "je cherche un appart"}]
    assert fallback.texts == []


async def test_nlu_fallback_becomes_best_real_intent(nlu: RasaNlu, fake_rasa: FakeRasa) -> None:
    """Rasa's own low-confidence fallback yields its best real guess, so our threshold decides."""
    fake_rasa.mode = "fallback"

    prediction = await nlu.parse("euh jsp")

    assert prediction == Prediction("find_job", 0.31, backend="rasa")


def test_rasa_ranking_is_kept_for_the_crisis_decision() -> None:
    """Rasa's ranked intents come through, best first, so a crisis close behind is seen."""
    prediction = prediction_from_rasa(
        {
            "intent": {"name": "nlu_fallback", "confidence": 0.7},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 0.7},
                {"name": "find_job", "confidence": 0.31},
                {"name": "crisis", "confidence": 0.29},
            ],
        }
    )
    assert prediction.ranking == (("find_job", 0.31), ("crisis", 0.29))
    assert prediction.confidence_of("crisis") == 0.29


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"intent": {"name": "nlu_fallback", "confidence": 0.5}, "intent_ranking": []},
            Prediction("out_of_scope", 0.0, backend="rasa"),
        ),
        ({"intent": {"name": None, "confidence": 0.0}}, Prediction("out_of_scope", 0.0, "rasa")),
        (
            {
                "intent": {"name": "nlu_fallback", "confidence": 0.5},
                "intent_ranking": [
                    {"name": "greet", "confidence": 0.1},
                    {"name": "nlu_fallback", "confidence": 0.5},
                    {"name": "thanks", "confidence": 0.2},
                ],
            },
            Prediction("thanks", 0.2, backend="rasa"),
        ),
        ({"intent": {"name": "greet", "confidence": 1.0000002}}, Prediction("greet", 1.0, "rasa")),
    ],
)
def test_rasa_answer_shapes_map_to_predictions(body: dict[str, Any], expected: Prediction) -> None:
    """Empty messages and fallback-only rankings give out_of_scope; confidences stay in [0, 1]."""
    assert prediction_from_rasa(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"text": "x"},
        {"intent": {"name": 3, "confidence": 0.4}},
        {"intent": {"name": "greet", "confidence": "high"}},
    ],
)
def test_malformed_rasa_answers_are_rejected(body: Any) -> None:
    """An answer without a usable intent is treated as Rasa being unavailable."""
    with pytest.raises(RasaUnavailableError):
        prediction_from_rasa(body)


async def test_slow_rasa_answers_from_fallback_within_timeout(
    nlu: RasaNlu, fake_rasa: FakeRasa, fallback: RecordingFallback
) -> None:
    """A young person gets the embedded answer after the timeout instead of waiting for Rasa."""
    fake_rasa.mode = "slow"

    started = time.perf_counter()
    prediction = await nlu.parse("besoin d'aide")
    elapsed = time.perf_counter() - started

    assert prediction.backend == "embedded"
    assert fallback.texts == ["besoin d'aide"]
    assert elapsed < TIMEOUT + 0.3


@pytest.mark.parametrize("mode", ["error", "garbage"])
async def test_broken_rasa_answers_from_fallback(
    nlu: RasaNlu, fake_rasa: FakeRasa, mode: str
) -> None:
    """A 500 or a non-JSON page from Rasa still gets the message an answer."""
    fake_rasa.mode = mode

    prediction = await nlu.parse("salut")

    assert prediction == Prediction("find_job", 0.77, backend="embedded")
    assert nlu.status()["consecutive_failures"] == 1


async def test_unreachable_rasa_answers_from_fallback(
    fallback: RecordingFallback, clock: FakeClock
) -> None:
    """With no Rasa server listening at all, the fallback answers."""
    async with RasaNlu(
        f"http://127.0.0.1:{free_port()}", fallback=fallback, timeout=TIMEOUT, clock=clock
    ) as nlu:
        prediction = await nlu.parse("salut")

    assert prediction.backend == "embedded"
    assert "connection failed" in (nlu.status()["last_failure"] or "")


async def test_warning_names_the_reason_but_not_the_message(
    nlu: RasaNlu, fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    """The fallback is logged with its cause, and the young person's words stay out of the logs."""
    fake_rasa.mode = "error"

    with caplog.at_level(logging.WARNING, logger="outreach_bot.nlu.rasa_http"):
        await nlu.parse("je m'appelle Zoé Martin 0612345678")

    assert any("HTTP 500" in r.getMessage() for r in caplog.records)
    assert any("embedded" in r.getMessage() for r in caplog.records)
    assert all("Zoé" not in r.getMessage() for r in caplog.records)
    assert all("0612345678" not in r.getMessage() for r in caplog.records)


async def test_circuit_opens_after_consecutive_failures(
    nlu: RasaNlu, fake_rasa: FakeRasa, fallback: RecordingFallback
) -> None:
    """After three failures in a row Rasa is no longer called, so answers come at once."""
    fake_rasa.mode = "error"
    for _ in range(3):
        await nlu.parse("salut")
    assert nlu.circuit is CircuitState.OPEN

    prediction = await nlu.parse("salut encore")

    assert prediction.backend == "embedded"
    assert len(fake_rasa.requests) == 3
    assert len(fallback.texts) == 4
    assert nlu.status() == {
        "backend": "embedded",
        "circuit": "open",
        "consecutive_failures": 3,
        "rasa_url": nlu.status()["rasa_url"],
        "last_failure": "HTTP 500",
    }


async def test_success_resets_the_failure_count(nlu: RasaNlu, fake_rasa: FakeRasa) -> None:
    """Failures must be consecutive: one good answer in between keeps the circuit closed."""
    fake_rasa.mode = "error"
    await nlu.parse("a")
    await nlu.parse("b")
    fake_rasa.mode = "ok"
    await nlu.parse("c")
    fake_rasa.mode = "error"
    await nlu.parse("d")
    await nlu.parse("e")

    assert nlu.circuit is CircuitState.CLOSED
    assert len(fake_rasa.requests) == 5


async def test_circuit_closes_after_cooldown_when_rasa_recovers(
    nlu: RasaNlu, fake_rasa: FakeRasa, clock: FakeClock
) -> None:
    """Once the cool-down has passed, a recovered Rasa answers again."""
    fake_rasa.mode = "error"
    for _ in range(3):
        await nlu.parse("salut")
    fake_rasa.mode = "ok"
    clock.now += COOLDOWN - 1
    assert (await nlu.parse("toujours en panne ?")).backend == "embedded"
    assert len(fake_rasa.requests) == 3

    clock.now += 1
    assert nlu.circuit is CircuitState.HALF_OPEN
    prediction = await nlu.parse("un logement")

    assert prediction == Prediction("housing", 0.93, backend="rasa")
    assert nlu.status()["circuit"] == "closed"
    assert nlu.status()["backend"] == "rasa"
    assert nlu.status()["consecutive_failures"] == 0


async def test_failed_trial_reopens_circuit_at_once(
    nlu: RasaNlu, fake_rasa: FakeRasa, clock: FakeClock
) -> None:
    """A still-broken Rasa costs one timeout per cool-down, not three."""
    fake_rasa.mode = "error"
    for _ in range(3):
        await nlu.parse("salut")
    clock.now += COOLDOWN

    await nlu.parse("essai")
    await nlu.parse("pendant la panne")

    assert nlu.circuit is CircuitState.OPEN
    assert len(fake_rasa.requests) == 4


async def test_only_one_trial_message_while_half_open(
    nlu: RasaNlu, fake_rasa: FakeRasa, clock: FakeClock
) -> None:
    """While Rasa is being retried, other messages are answered by the fallback at once."""
    fake_rasa.mode = "error"
    for _ in range(3):
        await nlu.parse("salut")
    clock.now += COOLDOWN
    fake_rasa.mode = "slow"

    trial = asyncio.create_task(nlu.parse("essai"))
    while len(fake_rasa.requests) < 4:
        await asyncio.sleep(0.005)
    other = await nlu.parse("autre message")
    fake_rasa.mode = "ok"
    fake_rasa.release.set()
    trial_prediction = await trial

    assert other.backend == "embedded"
    assert trial_prediction.backend == "rasa"
    assert len(fake_rasa.requests) == 4
    assert nlu.circuit is CircuitState.CLOSED


async def test_shared_session_is_left_open(
    server: TestServer, fallback: RecordingFallback
) -> None:
    """A session handed in by the application is the application's to close."""
    async with aiohttp.ClientSession() as session:
        nlu = RasaNlu(str(server.make_url("/")), fallback=fallback, session=session)
        assert (await nlu.parse("salut")).backend == "rasa"
        await nlu.close()

        assert not session.closed


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"failure_threshold": 0}, {"cooldown": -1.0}])
def test_nonsense_settings_are_refused(kwargs: dict[str, Any]) -> None:
    """A zero timeout or threshold would silently disable Rasa, so it fails at start-up."""
    with pytest.raises(ValueError, match="must"):
        RasaNlu("http://127.0.0.1:5005", fallback=RecordingFallback(), **kwargs)
