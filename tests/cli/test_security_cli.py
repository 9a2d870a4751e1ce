"""The command line for scoped API tokens and for ending a person's back-office sessions."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run_cli


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


def test_users_passwd_and_disable(tmp_path: Path) -> None:
    """A new password and a disabled account are set from the command line, never echoed."""
    created = run_cli(
        ["users", "add", "lea@example.org", "--role", "counsellor", "--password-stdin"],
        tmp_path,
        stdin="first long password\n",
    )
    assert created.returncode == 0, created.stderr
    changed = run_cli(
        ["users", "passwd", "Lea@Example.org", "--password-stdin"],
        tmp_path,
        stdin="second long password\n",
    )
    assert changed.returncode == 0, changed.stderr
    assert "signed out everywhere" in changed.stdout
    assert "second long password" not in changed.stdout + changed.stderr
    disabled = run_cli(["users", "disable", "lea@example.org"], tmp_path)
    assert disabled.returncode == 0, disabled.stderr
    assert "disabled" in disabled.stdout
    missing = run_cli(["users", "disable", "nobody@example.org"], tmp_path)
    assert missing.returncode == 1
