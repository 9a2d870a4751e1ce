"""The command-line contracts of contracts.md, run as a newcomer would run them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import alembic.config  # noqa: F401 - see run_main
import pytest

from outreach_bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    args: list[str], tmp_path: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in a clean working directory."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("OUTREACH_")
    }
    environment.update(
        OUTREACH_VAR_DIR=str(tmp_path / "var"),
        OUTREACH_CONTENT_DIR=str(ROOT / "bot"),
        OUTREACH_NLU_DATA=str(ROOT / "nlu" / "data"),
        **env,
    )
    script = Path(sys.executable).with_name("outreach-bot")
    return subprocess.run(  # noqa: S603 - our own console script
        [str(script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=300,
        check=False,
    )


def run_main(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str = "",
    **env: str,
) -> tuple[int, str, str]:
    """What :func:`run_cli` gives (exit code, stdout, stderr), without starting a process.

    The same clean environment and working directory, through ``main`` as the console script
    calls it: about a second and a half less per command. Alembic's Config takes ``sys.stdout``
    as it was when alembic.config was first imported, hence its import at the top of this
    module, at collection, rather than under capsys, whose stream is closed after the test.
    """
    for name in list(os.environ):
        if name.upper().startswith("OUTREACH_"):
            monkeypatch.delenv(name)
    for name, value in {
        "OUTREACH_VAR_DIR": str(tmp_path / "var"),
        "OUTREACH_CONTENT_DIR": str(ROOT / "bot"),
        "OUTREACH_NLU_DATA": str(ROOT / "nlu" / "data"),
        **env,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as stopped:
        code = stopped.code if isinstance(stopped.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_check_field_phone_normalises_to_e164(capsys, monkeypatch) -> None:
    """One JSON object per input line, E.164 or null."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("06 12 34 56 78\nbonjour\n"))
    assert main(["check-field", "phone"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        {"text": "06 12 34 56 78", "value": "+33612345678"},
        {"text": "bonjour", "value": None},
    ]


def test_check_field_age_counts_from_today(capsys, monkeypatch) -> None:
    """Birth dates count from --today."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("dix-sept\n12/03/2008\n"))
    assert main(["check-field", "age", "--today", "2026-11-25"]) == 0
    values = [json.loads(line)["value"] for line in capsys.readouterr().out.splitlines()]
    assert values == [17, 18]


def test_check_field_commune_gives_the_official_name(capsys, monkeypatch) -> None:
    """Sloppy spelling maps to the official name; nonsense to null."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("bar le duc\nst mihiel\nxyzzy\n"))
    assert main(["check-field", "commune"]) == 0
    values = [json.loads(line)["value"] for line in capsys.readouterr().out.splitlines()]
    assert values == ["Bar-le-Duc", "Saint-Mihiel", None]


def test_wrong_configuration_stops_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    """A bad value is one clear line on stderr and a non-zero exit."""
    result = run_cli(["db", "upgrade"], tmp_path, OUTREACH_NLU_BACKEND="spacy")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("OUTREACH_NLU_BACKEND:")


def test_bad_database_url_is_named(tmp_path: Path) -> None:
    """An unsupported database URL names OUTREACH_DATABASE_URL."""
    result = run_cli(["db", "upgrade"], tmp_path, OUTREACH_DATABASE_URL="mysql://x/y")
    assert result.returncode != 0
    assert result.stderr.strip().startswith("OUTREACH_DATABASE_URL:")


def test_db_upgrade_then_token_then_api(tmp_path: Path) -> None:
    """The console script migrates a fresh var/ and prints a token alone on its last line."""
    assert run_cli(["db", "upgrade"], tmp_path).returncode == 0
    assert (tmp_path / "var" / "outreach.db").exists()
    result = run_cli(["api-token", "create", "partner"], tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ob_")
    assert len(token) > 30


def test_campaign_create_rejects_bad_codes(tmp_path: Path) -> None:
    """A code with spaces is refused with a clear message, a good one is created once."""
    bad = run_cli(["campaigns", "create", "forum verdun", "--name", "Forum"], tmp_path)
    assert bad.returncode == 1
    assert "code" in bad.stderr
    good = run_cli(["campaigns", "create", "forum-2026", "--name", "Forum"], tmp_path)
    assert good.returncode == 0, good.stderr
    again = run_cli(["campaigns", "create", "FORUM-2026", "--name", "Forum"], tmp_path)
    assert again.returncode == 1
    assert "taken" in again.stderr


def test_users_add_reads_password_from_stdin(tmp_path: Path) -> None:
    """An account is created without a prompt; a short password is refused."""
    ok = run_cli(
        ["users", "add", "Conseil@Example.org", "--role", "counsellor", "--password-stdin"],
        tmp_path,
        stdin="a long enough password\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert "conseil@example.org" in ok.stdout
    short = run_cli(
        ["users", "add", "b@example.org", "--role", "admin", "--password-stdin"],
        tmp_path,
        stdin="short\n",
    )
    assert short.returncode == 1


def test_purge_runs_on_an_empty_database(tmp_path: Path) -> None:
    """Purge reports what it erased."""
    result = run_cli(["purge"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "purged 0 conversations" in result.stdout


@pytest.mark.parametrize("backend", ["embedded"])
def test_nlu_predict_writes_one_json_object_per_line(tmp_path: Path, backend: str) -> None:
    """``nlu predict`` reads messages and writes intent and confidence for each."""
    result = run_cli(
        ["nlu", "predict", "--backend", backend],
        tmp_path,
        stdin="je cherche du taf\nSTOP\n",
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["je cherche du taf", "STOP"]
    assert rows[0]["intent"] == "find_job"
    assert rows[1]["intent"] == "opt_out"
    assert all(0.0 <= row["confidence"] <= 1.0 for row in rows)


def test_nlu_evaluate_prints_a_json_report(tmp_path: Path) -> None:
    """``nlu evaluate`` gives accuracy, macro-F1 and per-intent figures."""
    result = run_cli(["nlu", "evaluate", str(ROOT / "nlu" / "tests")], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert 0.5 < report["accuracy"] <= 1.0
    assert 0.5 < report["macro_f1"] <= 1.0
    assert set(report["per_intent"]["crisis"]) >= {"precision", "recall", "f1", "support"}
