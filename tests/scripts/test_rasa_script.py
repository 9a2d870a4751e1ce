"""scripts/rasa.sh with a stub Rasa environment: train once per data set, serve a given model."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "rasa.sh"
FIXTURE_NLU = ROOT / "tests" / "fixtures" / "rasa"
BASH = shutil.which("bash") or "bash"

# Stands in for Rasa's CLI: records its arguments, and "trains" by writing the model file.
STUB_RASA = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/calls"
if [[ "$1" == train ]]; then
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --out) out="$2"; shift ;;
            --fixed-model-name) name="$2"; shift ;;
        esac
        shift
    done
    echo model > "$out/$name.tar.gz"
fi
"""
STUB_PYTHON = """#!/usr/bin/env bash
echo 3.6.21
"""


@pytest.fixture(name="env")
def _env(tmp_path: Path) -> dict[str, str]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in (("rasa", STUB_RASA), ("python", STUB_PYTHON)):
        (venv / "bin" / name).write_text(text, encoding="utf-8")
        (venv / "bin" / name).chmod(0o755)
    nlu = tmp_path / "nlu"
    shutil.copytree(FIXTURE_NLU, nlu)
    return {
        **os.environ,
        "RASA_VENV": str(venv),
        "RASA_NLU_DIR": str(nlu),
        "RASA_MODELS_DIR": str(tmp_path / "models"),
        "RASA_PORT": "5999",
    }


def rasa_sh(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [BASH, str(SCRIPT), command], env=env, capture_output=True, text=True, check=False
    )


def calls(env: dict[str, str]) -> list[str]:
    path = Path(env["RASA_VENV"]) / "bin" / "calls"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_unchanged_data_is_trained_only_once(env: dict[str, str]) -> None:
    """A second `make rasa` with the same nlu/ starts at once instead of retraining."""
    first = rasa_sh(env, "train")
    second = rasa_sh(env, "train")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout
    assert Path(first.stdout.strip()).is_file()
    assert len([c for c in calls(env) if c.startswith("train nlu")]) == 1
    assert "reusing" in second.stderr


def test_changed_data_trains_a_new_model(env: dict[str, str]) -> None:
    """Editing the training data produces a new model rather than serving a stale one."""
    first = rasa_sh(env, "train").stdout.strip()
    data = Path(env["RASA_NLU_DIR"]) / "data" / "nlu.yml"
    data.write_text(data.read_text(encoding="utf-8") + "      - yo\n", encoding="utf-8")

    second = rasa_sh(env, "train").stdout.strip()

    assert first != second
    assert len([c for c in calls(env) if c.startswith("train nlu")]) == 2


def test_run_serves_the_given_model_on_loopback(env: dict[str, str], tmp_path: Path) -> None:
    """The server listens on loopback only, with the HTTP API on, and serves the chosen model."""
    model = tmp_path / "chosen.tar.gz"
    model.write_text("model", encoding="utf-8")

    done = rasa_sh({**env, "RASA_MODEL": str(model)}, "run")

    assert done.returncode == 0, done.stderr
    assert calls(env) == [f"run --enable-api -i 127.0.0.1 --port 5999 --model {model}"]


def test_missing_rasa_environment_says_how_to_build_it(env: dict[str, str]) -> None:
    """Without the Rasa environment the script stops with the command that builds it."""
    done = rasa_sh({**env, "RASA_VENV": env["RASA_VENV"] + "-absent"}, "train")

    assert done.returncode == 1
    assert "scripts/rasa-env.sh" in done.stderr


def test_old_models_are_pruned_to_the_five_newest(env: dict[str, str]) -> None:
    """The models folder stays bounded however often the data changes."""
    models = Path(env["RASA_MODELS_DIR"])
    models.mkdir()
    for number in range(6):
        old = models / f"nlu-old{number}.tar.gz"
        old.write_text("model", encoding="utf-8")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))

    new = Path(rasa_sh(env, "train").stdout.strip())

    kept = sorted(path.name for path in models.glob("nlu-*.tar.gz"))
    assert new.name in kept
    assert kept == sorted([new.name] + [f"nlu-old{n}.tar.gz" for n in range(2, 6)])
