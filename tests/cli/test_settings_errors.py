"""Wrong and empty configuration, as an operator meets it: through the console script."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_bot.config import EMPTY_IS_A_VALUE, Settings
from tests.cli.test_cli import run_cli

# One wrong value per variable that can be wrong, and words the line must say back.
WRONG_VALUES = [
    ("DATABASE_URL", "mysql://outreach@db/outreach", "sqlite+aiosqlite://"),
    ("NLU_BACKEND", "spacy", "'embedded' or 'rasa'"),
    ("NLU_THRESHOLD", "high", "a number, at least 0.0, at most 1.0"),
    ("RASA_URL", "localhost:5005", "a URL starting with http:// or https://"),
    ("RASA_TIMEOUT", "-1", "a number, more than 0"),
    ("PUBLIC_URL", "bot.example.org", "a URL starting with http:// or https://"),
    ("TELEGRAM_BASE_URL", "api.telegram.org/bot", "a URL"),
    ("TELEGRAM_BOT_USERNAME", "mission locale", "the bot's username"),
    ("TELEGRAM_TEAM_CHAT_ID", "equipe", "a whole number, or empty"),
    ("TELEGRAM_WEBHOOK", "maybe", "true or false, or empty"),
    ("TELEGRAM_CHAT_INTERVAL", "-1", "a number, at least 0"),
    ("WHATSAPP_PHONE_NUMBER_ID", "+33 6 00 00 00 00", "phone number id (digits)"),
    ("WHATSAPP_BASE_URL", "graph.facebook.com", "a URL"),
    ("WHATSAPP_API_VERSION", "23", "like v23.0"),
    ("WHATSAPP_NUMBER", "le numero", "international form"),
    ("WHATSAPP_TEMPLATES", "counsellor", "kind=template_name:language"),
    ("WHATSAPP_CHAT_INTERVAL", "soon", "a number, at least 0"),
    ("WHATSAPP_MESSAGES_PER_SECOND", "0", "a number, more than 0"),
    ("SMS_PROVIDER", "ovh", "'twilio' or 'smsgateway', or empty"),
    ("TWILIO_BASE_URL", "api.twilio.com", "a URL"),
    ("SMSGATEWAY_URL", "192.168.1.20:8080", "a URL"),
    ("SMSGATEWAY_LEGACY_PAYLOAD", "perhaps", "true or false"),
    ("SMS_DAILY_LIMIT", "-5", "a whole number, at least 1"),
    ("SMS_DAILY_LIMIT", "twenty", "a whole number, at least 1"),
    ("QUIET_HOURS_START", "25:00", "HH:MM, from 00:00 to 23:59"),
    ("QUIET_HOURS_END", "9h", "HH:MM"),
    ("QUIET_HOURS_TIMEZONE", "Europe/Pari", "a time zone name, like Europe/Paris"),
    ("QUIET_DAYS", "dimanche", "use names like sunday"),
    ("QUIET_ON_PUBLIC_HOLIDAYS", "oui", "true or false"),
    ("APPOINTMENT_REMINDER_HOUR", "five", "HH:MM"),
    ("SCHEDULER_INTERVAL", "0", "a number, more than 0"),
    ("TEAM_PHONE", "la mission locale", "a phone number"),
    ("TAKEOVER_TIMEOUT_HOURS", "-1", "a number, more than 0"),
    ("TAKEOVER_CRISIS_MINUTES", "500", "at most 120"),
    ("SESSION_HOURS", "12h", "a number, more than 0"),
    ("RETENTION_DAYS", "0", "a whole number, at least 1"),
    ("INACTIVE_TRANSCRIPT_DAYS", "ninety", "a whole number, at least 1"),
    ("MEDIA_MAX_BYTES", "10MB", "a whole number, at least 1"),
    ("MEDIA_HOLD_DAYS", "-1", "a whole number, at least 1"),
    ("DEFAULT_LOCALE", "de", "fr or en"),
    ("DB_STATEMENT_TIMEOUT", "-1", "a number, at least 0"),
    ("RATE_LIMIT_SENDER", "-1", "a whole number, at least 0"),
    ("RATE_LIMIT_IP", "many", "a whole number, at least 0"),
    ("TRUSTED_PROXIES", "10.0.0.0/33", "IPv4 or IPv6 network"),
    ("SMTP_PORT", "70000", "at most 65535"),
    ("SMTP_TLS", "ssl", "'starttls' or 'tls' or 'none'"),
    ("SMTP_TIMEOUT", "0", "a number, more than 0"),
]


def assert_one_clear_line(stderr: str, variable: str) -> str:
    """The whole of stderr is one line naming the variable, with no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{variable}: got "), lines[0]
    return lines[0]


@pytest.mark.parametrize(("name", "value", "expected"), WRONG_VALUES)
def test_a_wrong_value_stops_start_up_with_one_line_saying_what_is_expected(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    """The line names the variable, repeats what was given and says what would do."""
    variable = f"OUTREACH_{name}"
    result = run_cli(["db", "upgrade"], tmp_path, **{variable: value})
    assert result.returncode == 2
    line = assert_one_clear_line(result.stderr, variable)
    assert repr(value) in line
    assert expected in line
    assert not (tmp_path / "var" / "outreach.db").exists()


def test_a_secret_is_never_repeated(tmp_path: Path) -> None:
    """A password refused at start-up is not printed where logs and terminals keep it."""
    result = run_cli(["db", "upgrade"], tmp_path, OUTREACH_SMTP_PASSWORD="s3cret-Passw0rd")
    line = assert_one_clear_line(result.stderr, "OUTREACH_SMTP_PASSWORD")
    assert result.returncode == 2
    assert "s3cret-Passw0rd" not in line
    assert "hidden" in line


def test_a_database_url_is_repeated_without_its_password(tmp_path: Path) -> None:
    """The host and driver help; the password in the URL is masked."""
    result = run_cli(
        ["db", "upgrade"], tmp_path, OUTREACH_DATABASE_URL="mysql://outreach:hunter2@db/outreach"
    )
    line = assert_one_clear_line(result.stderr, "OUTREACH_DATABASE_URL")
    assert "hunter2" not in line
    assert "'mysql://outreach:***@db/outreach'" in line


# Empty used to stop start-up for these: every setting whose default is not itself empty.
# The folders are left out here (an empty one would use the project's own var/) and
# checked in tests/test_config.py with the other values.
EMPTY_WAS_AN_ERROR = [
    name.upper()
    for name, field in Settings.model_fields.items()
    if field.default_factory is None
    and field.default != ""
    and name not in EMPTY_IS_A_VALUE
    and name != "media_types"  # empty was accepted (and kept no file at all)
]


@pytest.mark.parametrize("name", EMPTY_WAS_AN_ERROR)
def test_an_empty_variable_means_not_set(tmp_path: Path, name: str) -> None:
    """``OUTREACH_X=`` in an env file is the default, not an invalid value."""
    result = run_cli(["db", "upgrade"], tmp_path, **{f"OUTREACH_{name}": ""})
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout


def test_an_env_file_template_with_empty_lines_starts(tmp_path: Path) -> None:
    """A ``.env`` copied from a template, every value left empty, starts with the defaults."""
    names = [name for name in Settings.model_fields if name not in {"var_dir", "content_dir"}]
    names.remove("nlu_data")
    (tmp_path / ".env").write_text(
        "".join(f"OUTREACH_{name.upper()}=\n" for name in names), encoding="utf-8"
    )
    result = run_cli(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "outreach.db").exists()
