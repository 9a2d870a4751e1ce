"""Fuzz ``POST /webhooks/whatsapp`` with valid signatures over malformed notification shapes.

The real app runs in a thread with its own event loop on a real TCP port, WhatsApp on against
the local fake Graph API. Hypothesis starts from real notification shapes (a text, a button
tap, a list tap, a voice note, a status) and replaces, deletes or retypes any of their parts
with nasty JSON (nested lists, huge integers, lone surrogates, empty objects, 5,000-digit
numbers), then signs the exact bytes with the app secret, so every input reaches the parser.
Every answer must be under 500 and nothing may be logged at ERROR. The number of inputs and
of 5xx answers is printed at the end (``OUTREACH_FUZZ_EXAMPLES`` × 20 inputs, 200 by default).
"""

from __future__ import annotations

import copy
import http.client
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach_bot.app import create_web_app, open_services
from tests.channels.whatsapp.conftest import FakeGraph, fixture, sign, wa_settings
from tests.fuzz import Tally, ThreadedApp, json_paths, tallied
from tests.web.test_fuzz import EXAMPLES, dumps, json_value

BASES: list[dict[str, Any]] = []


def _bases() -> list[dict[str, Any]]:
    """Real notification shapes to start from."""
    if BASES:
        return BASES
    text = fixture("text_message.json")
    tap = copy.deepcopy(text)
    tap["entry"][0]["changes"][0]["value"]["messages"][0] = {
        **text["entry"][0]["changes"][0]["value"]["messages"][0],
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Oui"}},
    }
    row = copy.deepcopy(tap)
    row["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"] = {
        "type": "list_reply",
        "list_reply": {"id": "/find_job", "title": "Trouver un job"},
    }
    BASES.extend([text, tap, row, fixture("audio_message.json"), fixture("status_delivered.json")])
    return BASES


def mutate(base: dict[str, Any], changes: list[tuple[int, Any, bool]]) -> Any:
    """``base`` with each (path number, new value, delete?) change applied."""
    data: Any = copy.deepcopy(base)
    for number, shared, delete in changes:
        # st.just() hands the same object to every example: never insert it itself.
        value = copy.deepcopy(shared)
        paths = json_paths(data)
        path = paths[number % len(paths)]
        if not path:
            data = value
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if delete and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return data


nasty_value = st.one_of(
    json_value,
    st.sampled_from(["", "audio", "interactive", "text", "failed", "read", "FR.", "+", "0"]),
    st.just([]),
    st.just({}),
    st.just([{}] * 3),
)
notifications = st.builds(
    mutate,
    st.sampled_from(range(5)).map(lambda i: _bases()[i]),
    st.lists(st.tuples(st.integers(0, 500), nasty_value, st.booleans()), min_size=1, max_size=4),
)


class LiveWhatsApp(ThreadedApp):
    """The real app with WhatsApp on, on a real port, in a thread with its own loop."""

    def __init__(self, tmp: Path, nlu: Any) -> None:
        super().__init__()
        self.tmp, self.nlu = tmp, nlu

    async def _start(self) -> None:
        graph = FakeGraph()
        await self.serve_fake(graph)
        services = await self.stack.enter_async_context(
            open_services(wa_settings(self.tmp, graph), nlu=self.nlu, create_schema=True)
        )
        await self.serve(create_web_app(services))

    def post(self, body: bytes) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(
                "POST",
                "/webhooks/whatsapp",
                body,
                {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
            )
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


@pytest.fixture(scope="module", name="live_whatsapp")
def _live_whatsapp(
    tmp_path_factory: pytest.TempPathFactory, embedded_nlu: Any, request: pytest.FixtureRequest
) -> Iterator[tuple[LiveWhatsApp, Tally]]:
    def summary(tally: Tally) -> str:
        return f"whatsapp fuzz: {tally.inputs} signed notifications, {tally.server_errors} 5xx"

    with tallied(request, summary) as tally:
        app = LiveWhatsApp(tmp_path_factory.mktemp("fuzz-whatsapp"), embedded_nlu)
        app.start()
        yield app, tally
        app.stop()


def test_signed_malformed_notifications_never_give_a_server_error(
    live_whatsapp: tuple[LiveWhatsApp, Tally],
) -> None:
    """Validly signed notifications of any broken shape get an answer under 500, and
    nothing is logged at ERROR."""
    app, tally = live_whatsapp
    tally.statuses = Counter()

    @settings(
        max_examples=EXAMPLES * 20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(notifications)
    def run(data: Any) -> None:
        body = dumps(data)
        before = len(tally.error_logs)
        status = app.post(body)
        tally.inputs += 1
        tally.statuses[status] += 1
        if status >= 500:
            tally.server_errors += 1
        assert status < 500, (status, json.dumps(data)[:300])
        assert tally.error_logs[before:] == []

    run()
    assert tally.inputs >= EXAMPLES * 20
    assert tally.server_errors == 0
