"""The command line for scoped API tokens and for ending a person's back-office sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run_cli, run_main


def test_api_token_for_sectors_still_prints_the_token_alone_last(tmp_path: Path) -> None:
    """--sector is repeatable and takes comma lists; the token stays alone on the last line."""
    result = run_cli(
        ["api-token", "create", "partner", "--sector", "nord-meusien,hors-secteur"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "nord-meusien, hors-secteur" in lines[0]
    assert lines[-1].startswith("ob_")
    assert " " not in lines[-1]
    typo = run_cli(["api-token", "create", "typo", "--sector", "nord-meusein"], tmp_path)
    assert typo.returncode == 1
    assert "Secteur inconnu" in typo.stderr


def test_users_passwd_and_disable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A new password and a disabled account are set from the command line, never echoed."""

    def cli(args: list[str], stdin: str = "") -> tuple[int, str, str]:
        return run_main(args, tmp_path, monkeypatch, capsys, stdin=stdin)

    code, _, err = cli(
        ["users", "add", "lea@example.org", "--role", "counsellor", "--password-stdin"],
        stdin="first long password\n",
    )
    assert code == 0, err
    code, out, err = cli(
        ["users", "passwd", "Lea@Example.org", "--password-stdin"],
        stdin="second long password\n",
    )
    assert code == 0, err
    assert "signed out everywhere" in out
    assert "second long password" not in out + err + caplog.text  # logs: stderr, in a process
    code, out, err = cli(["users", "disable", "lea@example.org"])
    assert code == 0, err
    assert "disabled" in out
    code, _, _ = cli(["users", "disable", "nobody@example.org"])
    assert code == 1
