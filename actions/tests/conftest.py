"""Fixtures for the action server's tests, run in the Rasa environment (.venv-rasa).

Most tests call the actions in-process with ``rasa_sdk`` trackers built from the JSON files in
``fixtures/`` (as Rasa sends them) against a REAL Outreach Bot: ``outreach-bot run`` started
once per session from the bot's own environment (``.venv``), on a free loopback port, with a
throw-away var directory and a token made by ``outreach-bot api-token create``. A small fake
API stands in where a test needs the API to misbehave (down, slow, failing).

``OUTREACH_BOT_BIN`` names the ``outreach-bot`` executable (default: ``.venv/bin`` of this
clone); without it the tests that need the bot are skipped, or fail when
``ACTIONS_REQUIRE_BOT=1`` (as the main test suite sets when it runs these).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from actions.api_client import ApiConfig, OutreachApi
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
START_TIMEOUT = 180.0
TOKEN_NAME = "rasa-actions-tests"


def pytest_configure(config: pytest.Config) -> None:
    """Rasa's stack predates the warnings our error-on-warning setting turns into failures."""
    for line in (
        "ignore::DeprecationWarning",
        "ignore::PendingDeprecationWarning",
        "ignore:Slot auto-fill has been removed:UserWarning",
    ):
        config.addinivalue_line("filterwarnings", line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    """Poll ``url`` until it answers 200; fail with the process's log if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} not ready after {START_TIMEOUT:.0f} s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@dataclass
class Bot:
    """A running ``outreach-bot run`` and how to reach its API."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen[bytes]

    def config(self, timeout: float = 5.0) -> ApiConfig:
        return ApiConfig(url=self.url, token=self.token, timeout=timeout)

    def api(self) -> OutreachApi:
        return OutreachApi(self.config())

    def get(self, path: str) -> tuple[int, Any]:
        """A GET on the bot's API with the test token (to look at what the actions did)."""
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)


def bot_executable() -> Path | None:
    path = Path(os.environ.get("OUTREACH_BOT_BIN", ROOT / ".venv" / "bin" / "outreach-bot"))
    return path if path.is_file() else None


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """A real Outreach Bot on loopback with a fresh database and an API token."""
    executable = bot_executable()
    if executable is None:
        message = "no outreach-bot executable (set OUTREACH_BOT_BIN or run `make setup`)"
        if os.environ.get("ACTIONS_REQUIRE_BOT") == "1":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("bot")
    # Only our settings: a developer's OUTREACH_* variables or .env must not leak in, so the
    # bot runs from its temporary directory with the clone's content and training data.
    env = {key: value for key, value in os.environ.items() if not key.startswith("OUTREACH_")}
    env.update(
        {
            "OUTREACH_VAR_DIR": str(home / "var"),
            "OUTREACH_CONTENT_DIR": str(ROOT / "bot"),
            "OUTREACH_NLU_DATA": str(ROOT / "nlu" / "data"),
            "OUTREACH_SECRET_KEY": "actions-tests-secret-not-for-production",
            "OUTREACH_NLU_BACKEND": "embedded",
        }
    )
    created = subprocess.run(  # noqa: S603 - our own executable, fixed arguments
        [str(executable), "api-token", "create", TOKEN_NAME],
        cwd=home,
        env=env,
        capture_output=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if created.returncode != 0:
        pytest.fail(f"api-token create failed:\n{created.stderr.decode()[-3000:]}")
    token = created.stdout.decode().strip().splitlines()[-1]
    port = free_port()
    log = home / "bot.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            [str(executable), "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/healthz", process, log, "outreach-bot run")
        yield Bot(url, token, log, process)
    finally:
        stop(process)


RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


@pytest.fixture(scope="session")
def action_server(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rasa run actions --actions actions`` (via ``python -m rasa_sdk``), on loopback."""
    port = free_port()
    log = tmp_path_factory.mktemp("action-server") / "actions.log"
    env = {
        **os.environ,
        "SANIC_HOST": "127.0.0.1",
        "OUTREACH_API_URL": bot.url,
        "OUTREACH_API_TOKEN": bot.token,
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", process, log, "the action server")
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def rasa(action_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Rasa assistant built from the examples a team starts from.

    Trained from ``domain_example.yml``, ``rules_example.yml`` and the bot's ``nlu/data``
    with a pipeline that trains in seconds, and served with the action server as its
    action endpoint. Returns the URL of its REST channel.
    """
    home = tmp_path_factory.mktemp("rasa")
    rasa_bin = str(Path(sys.executable).parent / "rasa")
    env = {**os.environ, **RASA_ENV, "RASA_CACHE_DIRECTORY": str(home / "cache")}
    (home / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "{action_server}/webhook"\n', encoding="utf-8"
    )
    train_log = home / "train.log"
    with train_log.open("wb") as output:
        trained = subprocess.run(  # noqa: S603 - the Rasa environment's rasa, fixed arguments
            [
                rasa_bin,
                "train",
                "--config",
                str(FIXTURES / "rasa_config.yml"),
                "--domain",
                str(ROOT / "actions" / "domain_example.yml"),
                "--data",
                str(ROOT / "nlu" / "data"),
                str(ROOT / "actions" / "rules_example.yml"),
                "--out",
                str(home / "models"),
                "--fixed-model-name",
                "examples",
            ],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=900,
            check=False,
        )
    if trained.returncode != 0:
        pytest.fail(f"rasa train failed:\n{tail(train_log)}")
    port = free_port()
    log = home / "rasa.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the Rasa environment's rasa, fixed arguments
            [
                rasa_bin,
                "run",
                "--enable-api",
                "-i",
                "127.0.0.1",
                "--port",
                str(port),
                "--model",
                str(home / "models" / "examples.tar.gz"),
                "--endpoints",
                str(home / "endpoints.yml"),
            ],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/status", process, log, "rasa run")
        yield f"{url}/webhooks/rest/webhook"
    finally:
        stop(process)


def _texts(name: str) -> dict[str, dict[str, str]]:
    """The texts of ``bot/languages/*/<name>.yml``: key -> language -> text."""
    by_key: dict[str, dict[str, str]] = {}
    for folder in sorted((ROOT / "bot" / "languages").iterdir()):
        path = folder / f"{name}.yml"
        if path.is_file():
            texts = yaml.safe_load(path.read_text(encoding="utf-8"))["texts"]
            for key, value in texts.items():
                text = value if isinstance(value, str) else value["text"]
                by_key.setdefault(key, {})[folder.name] = text
    return by_key


@pytest.fixture(scope="session")
def content() -> dict[str, Any]:
    """The bot's own texts, read from bot/ to compare with what the actions say."""
    privacy = yaml.safe_load((ROOT / "bot" / "privacy.yml").read_text(encoding="utf-8"))
    privacy_texts = _texts("privacy")
    privacy["consent"]["text"] = privacy_texts["consent"]
    privacy["under_15"] = privacy_texts["under_15"]
    answer_texts = _texts("answers")
    crisis_texts = _texts("crisis")
    return {
        "messages": _texts("messages"),
        "privacy": privacy,
        "answers": {key: {"text": texts} for key, texts in answer_texts.items()},
        "crisis": {
            key.removeprefix("kinds."): {"text": texts}
            for key, texts in crisis_texts.items()
            if key.startswith("kinds.")
        },
    }


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The example domain a team starts from, as Rasa sends it to the action server."""
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "actions" / "domain_example.yml").read_text(encoding="utf-8")
    )
    return loaded


def load_tracker_state(name: str) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return state


@pytest.fixture
def sender() -> str:
    """A sender id of its own for each test, so tests sharing the bot never meet."""
    return f"rasa-test-{uuid.uuid4().hex[:12]}"


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def topic_tracker(sender: str) -> TrackerFactory:
    """A tracker whose latest message has ``intent``, from ``fixtures/tracker_topic.json``."""

    def build(intent: str = "cej", **slots: Any) -> Tracker:
        state = load_tracker_state("tracker_topic")
        state["sender_id"] = sender
        state["latest_message"]["intent"] = {"name": intent, "confidence": 0.9}
        state["slots"].update(slots)
        return Tracker.from_dict(state)

    return build


@pytest.fixture
def form_tracker(sender: str) -> TrackerFactory:
    """A lead-form tracker where Rasa just filled ``requested`` from the latest message.

    Built from ``fixtures/tracker_lead_form.json``: the last event sets the requested slot to
    ``value`` (the text typed, or the intent's value), which is what ``validate_lead_form``
    is asked to check. With ``taken=False`` the domain's mappings took nothing from the
    message (an intent they skip), as when Rasa is about to reject the form.
    """

    def build(
        requested: str,
        value: Any,
        *,
        text: str | None = None,
        intent: str = "inform",
        taken: bool = True,
        **slots: Any,
    ) -> Tracker:
        state = load_tracker_state("tracker_lead_form")
        state["sender_id"] = sender
        typed = text if text is not None else str(value)
        state["latest_message"].update(
            {"text": typed, "intent": {"name": intent, "confidence": 0.9}}
        )
        state["slots"].update(slots)
        state["slots"]["requested_slot"] = requested
        events = copy.deepcopy(state["events"])
        events[-4]["text"] = typed
        events[-4]["parse_data"]["intent"] = {"name": intent, "confidence": 0.9}
        if taken:
            state["slots"][requested] = value
            events[-1] = {
                "event": "slot",
                "timestamp": events[-1]["timestamp"],
                "name": requested,
                "value": value,
            }
        else:
            del events[-1]
        state["events"] = events
        return Tracker.from_dict(state)

    return build


@dataclass
class FakeApi:
    """An aiohttp server answering every path with a canned reply, recording each call."""

    status: int = 200
    body: Any = field(default_factory=dict)
    delay: float = 0.0
    raw: str | None = None
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json() if request.can_read_body else None
        self.calls.append((request.method, request.path, payload))
        self.authorizations.append(request.headers.get("Authorization"))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raw is not None:
            return web.Response(status=self.status, text=self.raw)
        return web.json_response(self.body, status=self.status)


@pytest.fixture
async def fake_api() -> AsyncIterator[tuple[FakeApi, ApiConfig]]:
    """A misbehaving stand-in for the bot's API, and a client configuration pointing at it."""
    fake = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, ApiConfig(url=str(server.make_url("")).rstrip("/"), token="t", timeout=2.0)
    finally:
        await server.close()


@pytest.fixture
def dead_api() -> ApiConfig:
    """A configuration pointing at a loopback port nobody listens on."""
    return ApiConfig(url=f"http://127.0.0.1:{free_port()}", token="t", timeout=2.0)
