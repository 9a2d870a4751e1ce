"""RasaNlu against a real Rasa 3.6 server trained from nlu/, including Rasa freezing and dying.

The server starts once per session (see conftest.py); the test that kills it runs last.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.nlu.rasa_http import CircuitState, RasaNlu
from outreach_bot.storage.models import Lead
from tests.conftest import make_settings, serve
from tests.factories import RestChat

from .conftest import MEASURED, RasaServer

pytestmark = pytest.mark.rasa

TIMEOUT = 1.5
# Phrasings close to the training data of both nlu/ and the fixture project.
CLEAR_MESSAGES = [
    ("bonjour", "greet"),
    ("merci beaucoup", "thanks"),
    ("je cherche un travail", "find_job"),
    ("je cherche un logement", "housing"),
]


class KeywordFallback:
    """A stand-in for the embedded classifier: answers instantly, whatever Rasa does."""

    name = "embedded"

    def __init__(self) -> None:
        self.calls = 0

    async def parse(self, text: str) -> Prediction:
        self.calls += 1
        intent = "housing" if "logement" in text else "out_of_scope"
        return Prediction(intent, 0.6, backend=self.name)


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(name="server")
def _server(rasa_server: RasaServer) -> RasaServer:
    if rasa_server.killed:
        pytest.fail("the Rasa server was already killed by an earlier test; run this one first")
    return rasa_server


@pytest.mark.parametrize(("text", "intent"), CLEAR_MESSAGES)
async def test_rasa_understands_clear_messages(server: RasaServer, text: str, intent: str) -> None:
    """A clear request is understood by the real Rasa model and says Rasa answered."""
    async with RasaNlu(server.url, fallback=KeywordFallback(), timeout=TIMEOUT) as nlu:
        prediction = await nlu.parse(text)

    assert prediction.backend == "rasa"
    assert prediction.intent == intent
    assert 0.0 < prediction.confidence <= 1.0


async def test_rasa_never_hands_nlu_fallback_to_the_dialogue(server: RasaServer) -> None:
    """Gibberish still yields one of our intents, never Rasa's internal nlu_fallback."""
    fallback = KeywordFallback()
    async with RasaNlu(server.url, fallback=fallback, timeout=TIMEOUT) as nlu:
        predictions = [await nlu.parse(text) for text in ("xqzkw vbnm", "", "??", "42")]

    assert fallback.calls == 0
    for prediction in predictions:
        assert prediction.backend == "rasa"
        assert prediction.intent in server.intents | {"out_of_scope"}


async def test_rasa_answers_well_within_the_timeout(server: RasaServer) -> None:
    """Parsing through Rasa is fast enough that the timeout only catches a sick server."""
    texts = [text for text, _ in CLEAR_MESSAGES] * 10
    fallback = KeywordFallback()
    async with RasaNlu(server.url, fallback=fallback, timeout=TIMEOUT) as nlu:
        await nlu.parse("salut")  # the first call opens the connection
        latencies = []
        for text in texts:
            started = time.perf_counter()
            await nlu.parse(text)
            latencies.append(time.perf_counter() - started)

    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    MEASURED["latency"] = f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(texts)}"
    assert fallback.calls == 0
    assert p99 < TIMEOUT / 3


async def test_frozen_rasa_falls_back_after_the_timeout(server: RasaServer) -> None:
    """When Rasa hangs, the young person gets an answer after the timeout, then at once."""
    clock = FakeClock()
    fallback = KeywordFallback()
    timeout = 0.5
    async with RasaNlu(
        server.url,
        fallback=fallback,
        timeout=timeout,
        failure_threshold=2,
        cooldown=30,
        clock=clock,
    ) as nlu:
        assert (await nlu.parse("bonjour")).backend == "rasa"
        os.killpg(server.process.pid, signal.SIGSTOP)
        try:
            started = time.perf_counter()
            first = await nlu.parse("je cherche un logement")
            first_wait = time.perf_counter() - started
            await nlu.parse("allo")
            started = time.perf_counter()
            third = await nlu.parse("je cherche un logement")
            third_wait = time.perf_counter() - started
            assert nlu.status()["backend"] == "embedded"
        finally:
            os.killpg(server.process.pid, signal.SIGCONT)
        clock.now += 30
        recovered = await nlu.parse("merci beaucoup")

    assert first == Prediction("housing", 0.6, backend="embedded")
    assert timeout <= first_wait < timeout + 0.5
    assert third.backend == "embedded"
    assert third_wait < 0.05
    assert recovered == Prediction("thanks", recovered.confidence, backend="rasa")
    assert nlu.circuit is CircuitState.CLOSED


async def test_killed_rasa_falls_back_mid_conversation(
    server: RasaServer, tmp_path: Path, embedded_nlu: NluBackend
) -> None:
    """Rasa dies mid-conversation with the real bot: the young person notices nothing.

    The bot runs with the Rasa backend over real HTTP; after the first message Rasa is
    killed. The next answers come from the embedded classifier at once, the warm lead
    still reaches the queue, and /readyz tells the team which backend answers.
    """
    settings = make_settings(
        tmp_path, nlu_backend="rasa", rasa_url=server.url, rasa_timeout=TIMEOUT
    )
    async with (
        RasaNlu(server.url, fallback=embedded_nlu, timeout=TIMEOUT, failure_threshold=3) as nlu,
        open_services(settings, nlu=nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        chat = RestChat(client, sender="rasa-dies")
        await chat.say("salut")
        assert "bot" in chat.text().lower()
        before = (await (await client.get("/readyz")).json())["checks"]["nlu"]

        server.kill()
        started = time.perf_counter()
        await chat.say("je cherche du boulot vers verdun")
        first_wait = time.perf_counter() - started
        job_answer = services.content.answers["find_job"].text.fr
        assert chat.last[0]["text"] == job_answer
        for message in ("/affirm", "/affirm", "j'ai 19 ans", "Noa", "06 12 34 56 78", "verdun"):
            await chat.say(message)
        await chat.say("un job dans la logistique")
        await chat.say('/select{"value":"when_morning"}')
        assert "Noa" in chat.text()
        await chat.say("/affirm")
        assert "conseiller" in chat.text()
        after = (await (await client.get("/readyz")).json())["checks"]["nlu"]
        async with services.sessions() as session:
            leads = (await session.scalars(select(Lead))).all()

    assert before["backend"] == "rasa"
    assert before["circuit"] == "closed"
    assert first_wait < TIMEOUT
    MEASURED["fallback after kill"] = f"{first_wait * 1000:.0f} ms for the first reply (HTTP)"
    assert after["backend"] == "embedded"
    assert after["circuit"] == "open"
    assert "connection failed" in (after["last_failure"] or "")
    assert len(leads) == 1
