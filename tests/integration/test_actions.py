"""The Rasa action server's own tests (actions/tests), run in the Rasa environment.

rasa_sdk lives only in the Rasa environment (Python 3.10), so its tests run there, as a
subprocess; they start this environment's ``outreach-bot`` and call it over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, rasa_venv

pytestmark = pytest.mark.rasa

TIMEOUT = 600.0


def test_action_server_tests_pass_against_this_bot(tmp_path: Path) -> None:
    """Every action-server test passes, none skipped, with the real bot behind the API."""
    python = rasa_venv() / "bin" / "python"
    if not python.is_file():
        pytest.skip(f"no Rasa environment at {rasa_venv()}: build it with scripts/rasa-env.sh")
    has_pytest = subprocess.run(  # noqa: S603 - the Rasa environment's own interpreter
        [str(python), "-c", "import pytest, pytest_asyncio"], capture_output=True, check=False
    )
    if has_pytest.returncode != 0:
        pytest.skip("the Rasa environment has no pytest: rerun scripts/rasa-env.sh")
    bot = Path(sys.executable).parent / "outreach-bot"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "OUTREACH_"))
    }
    env.update({"OUTREACH_BOT_BIN": str(bot), "ACTIONS_REQUIRE_BOT": "1"})
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [
            str(python),
            "-m",
            "pytest",
            "actions/tests",
            "-q",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "actions"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\b\d+ passed\b", summary), summary
    assert "skipped" not in summary, summary
    assert "failed" not in summary, summary
