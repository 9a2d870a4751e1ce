"""Wrong and empty configuration, as an operator meets it: the lines start-up prints."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import alembic.config  # noqa: F401 - see below
import pytest
from pydantic import ValidationError

from outreach_bot.cli import main
from outreach_bot.config import EMPTY_IS_A_VALUE, Settings, describe_errors
from tests.cli.test_cli import run_cli
from tests.conftest import ROOT

# Alembic's Config takes ``sys.stdout`` as it was when alembic.config was first imported; imported
# here, at collection, rather than by a test below under capsys, whose stream is closed after it.

# One wrong value per variable that can be wrong, and words the line must say back.
WRONG_VALUES = [
    ("DATABASE_URL", "mysql://outreach@db/outreach", "sqlite+aiosqlite://"),
    ("DATABASE_URL", "postgresql://outreach@db:port/outreach", "not a database URL"),
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


@pytest.fixture(name="environ")
def _environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment with no OUTREACH_* variable of this machine in it."""
    for name in list(os.environ):
        if name.upper().startswith("OUTREACH_"):
            monkeypatch.delenv(name)
    return monkeypatch


def error_lines(environ: pytest.MonkeyPatch, **variables: str) -> list[str]:
    """What start-up prints for these variables, read as the console script reads them."""
    for name, value in variables.items():
        environ.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]
    return describe_errors(caught.value)


@pytest.mark.parametrize(("name", "value", "expected"), WRONG_VALUES)
def test_a_wrong_value_gets_one_line_saying_what_is_expected(
    environ: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    """The line names the variable, repeats what was given and says what would do."""
    variable = f"OUTREACH_{name}"
    [line] = error_lines(environ, **{variable: value})
    assert line.startswith(f"{variable}: got {value!r}; "), line
    assert expected in line


def test_every_wrong_value_is_listed_in_the_order_of_the_settings(
    environ: pytest.MonkeyPatch,
) -> None:
    """Five mistakes give five lines, in the reference page's order whatever the env's."""
    lines = error_lines(
        environ,
        OUTREACH_SMTP_TLS="ssl",
        OUTREACH_RETENTION_DAYS="0",
        OUTREACH_QUIET_HOURS_START="25:00",
        OUTREACH_DATABASE_URL="mysql://outreach:hunter2@db/outreach",
        OUTREACH_NLU_BACKEND="spacy",
    )
    assert [line.split(":", 1)[0] for line in lines] == [
        "OUTREACH_DATABASE_URL",
        "OUTREACH_NLU_BACKEND",
        "OUTREACH_QUIET_HOURS_START",
        "OUTREACH_RETENTION_DAYS",
        "OUTREACH_SMTP_TLS",
    ]
    assert "hunter2" not in "\n".join(lines)


def test_a_secret_is_never_repeated(environ: pytest.MonkeyPatch) -> None:
    """A password refused at start-up is not printed where logs and terminals keep it."""
    [line] = error_lines(environ, OUTREACH_SMTP_PASSWORD="s3cret-Passw0rd")
    assert line.startswith("OUTREACH_SMTP_PASSWORD: got a value (hidden: it is a secret); ")
    assert "s3cret-Passw0rd" not in line


def test_a_database_url_is_repeated_without_its_password(environ: pytest.MonkeyPatch) -> None:
    """The host and driver help; the password in the URL is masked."""
    [line] = error_lines(environ, OUTREACH_DATABASE_URL="mysql://outreach:hunter2@db/outreach")
    assert line.startswith("OUTREACH_DATABASE_URL: got 'mysql://outreach:***@db/outreach'; ")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"OUTREACH_WHATSAPP_TOKEN": "EAAG-token", "OUTREACH_WHATSAPP_APP_SECRET": "s"},
            [
                "OUTREACH_WHATSAPP_PHONE_NUMBER_ID: not set; required when "
                "OUTREACH_WHATSAPP_TOKEN is set",
                "OUTREACH_WHATSAPP_VERIFY_TOKEN: not set; required when "
                "OUTREACH_WHATSAPP_TOKEN is set",
            ],
        ),
        (
            {"OUTREACH_SMS_PROVIDER": "twilio", "OUTREACH_TWILIO_ACCOUNT_SID": "AC123"},
            [
                "OUTREACH_TWILIO_AUTH_TOKEN: not set; required when OUTREACH_SMS_PROVIDER=twilio",
                "OUTREACH_TWILIO_FROM: not set; required when OUTREACH_SMS_PROVIDER=twilio and "
                "OUTREACH_SMS_NUMBER is empty",
            ],
        ),
        (
            {"OUTREACH_SMS_PROVIDER": "twilio", "OUTREACH_SMS_NUMBER": "+33939000000"},
            [
                "OUTREACH_TWILIO_ACCOUNT_SID: not set; required when OUTREACH_SMS_PROVIDER=twilio",
                "OUTREACH_TWILIO_AUTH_TOKEN: not set; required when OUTREACH_SMS_PROVIDER=twilio",
            ],
        ),
        (
            {"OUTREACH_SMS_PROVIDER": "smsgateway", "OUTREACH_SMSGATEWAY_PASSWORD": "pw"},
            [
                "OUTREACH_SMSGATEWAY_LOGIN: not set; required when "
                "OUTREACH_SMS_PROVIDER=smsgateway",
                "OUTREACH_SMSGATEWAY_SIGNING_KEY: not set; required when "
                "OUTREACH_SMS_PROVIDER=smsgateway",
            ],
        ),
    ],
)
def test_a_channel_without_what_it_needs_lists_every_missing_setting(
    environ: pytest.MonkeyPatch, variables: dict[str, str], expected: list[str]
) -> None:
    """A provider turned on without its credentials names each of them, one line each."""
    assert error_lines(environ, **variables) == expected


def test_missing_credentials_are_listed_with_the_wrong_values(
    environ: pytest.MonkeyPatch,
) -> None:
    """Cross-setting problems come in the same list as malformed values, not after a restart."""
    lines = error_lines(
        environ,
        OUTREACH_NLU_BACKEND="spacy",
        OUTREACH_SMS_PROVIDER="smsgateway",
        OUTREACH_SMSGATEWAY_LOGIN="sms",
        OUTREACH_SMSGATEWAY_PASSWORD="pw",
        OUTREACH_SMTP_HOST="smtp.example.org",
    )
    assert [line.split(":", 1)[0] for line in lines] == [
        "OUTREACH_NLU_BACKEND",
        "OUTREACH_SMSGATEWAY_SIGNING_KEY",
        "OUTREACH_SMTP_FROM",
    ]


def test_a_wrong_provider_does_not_also_ask_for_its_credentials(
    environ: pytest.MonkeyPatch,
) -> None:
    """``OUTREACH_SMS_PROVIDER=ovh`` is one mistake, told once."""
    [line] = error_lines(environ, OUTREACH_SMS_PROVIDER="ovh")
    assert line.startswith("OUTREACH_SMS_PROVIDER: got 'ovh'; ")


def test_start_up_lists_every_wrong_setting_and_writes_nothing(tmp_path: Path) -> None:
    """Through the console script: one line per mistake, no traceback, exit 2, no database."""
    result = run_cli(
        ["db", "upgrade"],
        tmp_path,
        OUTREACH_SMS_DAILY_LIMIT="-5",
        OUTREACH_PUBLIC_URL="bot.example.org",
        OUTREACH_SMTP_PASSWORD="s3cret-Passw0rd",
        OUTREACH_WHATSAPP_TOKEN="EAAG-secret-token",
        OUTREACH_DATABSE_URL="postgresql://outreach:hunter2@db/outreach",
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "warning: OUTREACH_DATABSE_URL is not a setting of outreach-bot and is ignored; "
        "did you mean OUTREACH_DATABASE_URL?",
        "OUTREACH_PUBLIC_URL: got 'bot.example.org'; expected a URL starting with http:// or "
        "https://",
        "OUTREACH_WHATSAPP_PHONE_NUMBER_ID: not set; required when OUTREACH_WHATSAPP_TOKEN is set",
        "OUTREACH_WHATSAPP_APP_SECRET: not set; required when OUTREACH_WHATSAPP_TOKEN is set",
        "OUTREACH_WHATSAPP_VERIFY_TOKEN: not set; required when OUTREACH_WHATSAPP_TOKEN is set",
        "OUTREACH_SMS_DAILY_LIMIT: got '-5'; expected a whole number, at least 1",
        "OUTREACH_SMTP_PASSWORD: got a value (hidden: it is a secret); needs OUTREACH_SMTP_USER "
        "too",
    ]
    assert not (tmp_path / "var").exists()


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


@pytest.fixture(name="upgraded_var", scope="module")
def _upgraded_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ already migrated, once for the module: each test below starts from a copy."""
    var = tmp_path_factory.mktemp("upgraded") / "var"
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith("OUTREACH_"):
                patch.delenv(name)
        patch.setenv("OUTREACH_VAR_DIR", str(var))
        patch.chdir(var.parent)
        assert main(["db", "upgrade"]) == 0
    return var


@pytest.mark.parametrize("name", EMPTY_WAS_AN_ERROR)
def test_an_empty_variable_means_not_set(
    environ: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    upgraded_var: Path,
    name: str,
) -> None:
    """``OUTREACH_X=`` in an env file is the default, not an invalid value.

    In-process, through ``main`` as the console script calls it, on a copy of a migrated
    var/ (a migration per variable cost a second). The template test below runs the console
    script itself on a fresh var/, with every variable empty at once.
    """
    shutil.copytree(upgraded_var, tmp_path / "var")
    environ.setenv("OUTREACH_VAR_DIR", str(tmp_path / "var"))
    environ.setenv("OUTREACH_CONTENT_DIR", str(ROOT / "bot"))
    environ.setenv("OUTREACH_NLU_DATA", str(ROOT / "nlu" / "data"))
    environ.chdir(tmp_path)
    environ.setenv(f"OUTREACH_{name}", "")
    assert main(["db", "upgrade"]) == 0, capsys.readouterr().err
    assert "database is up to date" in capsys.readouterr().out


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
