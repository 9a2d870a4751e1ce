"""A real Rasa server for the integration tests: trained once, started once per session."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_NLU = ROOT / "tests" / "fixtures" / "rasa"
TRAIN_TIMEOUT = 1200.0
START_TIMEOUT = 180.0
TEST_EPOCHS = 30
BASH = shutil.which("bash") or "bash"

# Figures measured during the run, printed in pytest's closing summary.
MEASURED: dict[str, str] = {}


@dataclass
class RasaServer:
    """A running ``rasa run --enable-api`` subprocess and what it was started from."""

    url: str
    process: subprocess.Popen[bytes]
    nlu_dir: Path
    model: Path
    intents: frozenset[str]
    log: Path
    killed: bool = field(default=False)

    def kill(self) -> None:
        """Kill Rasa without warning, as a crash or an OOM kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.killed = True


def rasa_venv() -> Path:
    return Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))


def nlu_project() -> Path:
    """The project to train: RASA_TEST_NLU_DIR, else nlu/ when complete, else the fixture."""
    if override := os.environ.get("RASA_TEST_NLU_DIR"):
        return Path(override).resolve()
    nlu = ROOT / "nlu"
    complete = (
        (nlu / "config.yml").is_file()
        and (nlu / "domain.yml").is_file()
        and any((nlu / "data").glob("*.yml"))
    )
    return nlu if complete else FIXTURE_NLU


def with_capped_epochs(nlu_dir: Path, into: Path) -> Path:
    """A copy of the project whose DIET classifier trains at most TEST_EPOCHS epochs.

    These tests exercise the server, the HTTP client and the fallback, not Rasa's accuracy
    (benchmarks/nlu.py trains the full pipeline). On 2 cores the 100 epochs of nlu/config.yml
    take 14 to 17 minutes on our data, 30 take a third of that: a CI run on a machine without
    cached models stays well under 30 minutes. Same data, domain and pipeline otherwise.
    """
    shutil.copytree(nlu_dir / "data", into / "data")
    shutil.copy(nlu_dir / "domain.yml", into / "domain.yml")
    config = yaml.safe_load((nlu_dir / "config.yml").read_text(encoding="utf-8"))
    for component in config.get("pipeline") or []:
        if component.get("name") == "DIETClassifier":
            component["epochs"] = min(int(component.get("epochs", TEST_EPOCHS)), TEST_EPOCHS)
    (into / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return into


def domain_intents(domain: Path) -> frozenset[str]:
    """The intent names a Rasa domain declares (entries may be names or one-key mappings)."""
    intents = yaml.safe_load(domain.read_text(encoding="utf-8"))["intents"]
    return frozenset(next(iter(i)) if isinstance(i, dict) else str(i) for i in intents)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``GET /status`` until a model is loaded; fail with Rasa's log if it never is."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rasa run exited with {process.returncode}:\n{tail(log)}")
        try:
            # The URL is our own loopback server, never user input.
            with urllib.request.urlopen(f"{url}/status", timeout=2) as response:  # noqa: S310
                if json.load(response).get("model_file"):
                    return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail(f"rasa run not ready after {START_TIMEOUT:.0f} s:\n{tail(log)}")


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    """Train (or reuse) a model with scripts/rasa.sh and serve it on a free loopback port."""
    venv = rasa_venv()
    if not (venv / "bin" / "rasa").is_file():
        pytest.skip(f"no Rasa environment at {venv.name}/: build it with scripts/rasa-env.sh")
    nlu_dir = nlu_project()
    trained_dir = with_capped_epochs(nlu_dir, tmp_path_factory.mktemp("rasa-project"))
    env = {
        **os.environ,
        "RASA_VENV": str(venv),
        "RASA_NLU_DIR": str(trained_dir),
        "RASA_MODELS_DIR": os.environ.get("RASA_MODELS_DIR", str(ROOT / "var" / "rasa-models")),
        "RASA_PORT": str(free_port()),
        "RASA_HOST": "127.0.0.1",
    }
    logs = tmp_path_factory.mktemp("rasa")

    started = time.monotonic()
    with (logs / "train.log").open("wb") as train_log:
        # A session of its own, so that an interrupted test run does not leave Rasa training.
        training = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [BASH, str(ROOT / "scripts" / "rasa.sh"), "train"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=train_log,
            start_new_session=True,
        )
        try:
            output, _ = training.communicate(timeout=TRAIN_TIMEOUT)
        finally:
            if training.poll() is None:
                os.killpg(training.pid, signal.SIGKILL)
                training.wait(timeout=30)
    if training.returncode != 0:
        pytest.fail(f"rasa train failed:\n{tail(logs / 'train.log')}")
    model = Path(output.decode().strip().splitlines()[-1])
    reused = "reusing" in (logs / "train.log").read_text(encoding="utf-8")
    MEASURED["model"] = f"{nlu_dir.name}/, DIET at most {TEST_EPOCHS} epochs -> {model.name}"
    MEASURED["training"] = (
        "cached" if reused else f"{time.monotonic() - started:.1f} s (rasa train nlu)"
    )

    # Serve exactly the model just trained, even if nlu/ changed since.
    env["RASA_MODEL"] = str(model)
    url = f"http://127.0.0.1:{env['RASA_PORT']}"
    log = logs / "run.log"
    started = time.monotonic()
    with log.open("wb") as run_log:
        # A session of its own, so that killing it takes any child process along.
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [BASH, str(ROOT / "scripts" / "rasa.sh"), "run"],
            env=env,
            stdout=run_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RasaServer(url, process, nlu_dir, model, domain_intents(nlu_dir / "domain.yml"), log)
    try:
        wait_until_ready(url, process, log)
        MEASURED["server start"] = f"{time.monotonic() - started:.1f} s (until GET /status)"
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the Rasa integration tests measured, so runs can be compared."""
    if MEASURED:
        terminalreporter.section("Rasa measurements")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
