"""``outreach-bot mail test``: an operator checks the SMTP settings from the command line."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run_cli
from tests.smtp import Inbox


def test_mail_test_delivers_to_the_relay(tmp_path: Path, smtp: Inbox) -> None:
    """With OUTREACH_SMTP_* set, the test e-mail reaches the relay and the command says so."""
    env = {f"OUTREACH_{key.upper()}": str(value) for key, value in smtp.settings().items()}
    assert run_cli(["db", "upgrade"], tmp_path).returncode == 0

    result = run_cli(["mail", "test", "moi@ml-test.example"], tmp_path, **env)

    assert result.returncode == 0, result.stderr
    [received] = smtp.received
    assert received.recipients == ["moi@ml-test.example"]
    assert "envoyer des e-mails" in received.body()


def test_mail_test_without_smtp_says_it_is_not_configured(tmp_path: Path) -> None:
    """Without a relay the command fails with a line naming the setting to fill in."""
    assert run_cli(["db", "upgrade"], tmp_path).returncode == 0

    result = run_cli(["mail", "test", "moi@ml-test.example"], tmp_path)

    assert result.returncode == 1
    assert "OUTREACH_SMTP_HOST" in result.stderr
