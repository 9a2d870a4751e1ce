"""Settings find the project's folders wherever the command is started from."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_bot.config import EMPTY_IS_A_VALUE, Settings, unknown_variables
from outreach_bot.content import load_content
from tests.conftest import ROOT


def test_default_folders_are_the_projects_not_the_working_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From another directory, the defaults still point at bot/, nlu/data and var/."""
    for name in ("CONTENT_DIR", "NLU_DATA", "VAR_DIR"):
        monkeypatch.delenv(f"OUTREACH_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.content_dir == ROOT / "bot"
    assert settings.nlu_data == ROOT / "nlu" / "data"
    assert settings.var_dir == ROOT / "var"
    assert load_content(settings.content_dir).messages


def test_configured_folders_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder set in the environment is used as given."""
    monkeypatch.setenv("OUTREACH_CONTENT_DIR", str(tmp_path / "texts"))
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path / "state"))
    settings = Settings()
    assert settings.content_dir == tmp_path / "texts"
    assert settings.var_dir == tmp_path / "state"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8093/"),
        ("0.0.0.0", "http://127.0.0.1:8093/"),  # noqa: S104 - all interfaces: loopback works
        ("::", "http://[::1]:8093/"),
        ("bot.local", "http://bot.local:8093/"),
    ],
)
def test_links_follow_the_address_run_listens_on(
    monkeypatch: pytest.MonkeyPatch, host: str, expected: str
) -> None:
    """With no public URL set, the links point at the host and port the server listens on."""
    monkeypatch.delenv("OUTREACH_PUBLIC_URL", raising=False)
    settings = Settings(_env_file=None).served_at(host, 8093)  # type: ignore[call-arg]
    assert str(settings.public_url) == expected


def test_a_set_public_url_wins_over_the_listening_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OUTREACH_PUBLIC_URL is what is reachable from outside (a proxy): links keep it."""
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://bot.example.org/")
    settings = Settings(_env_file=None).served_at("127.0.0.1", 8093)  # type: ignore[call-arg]
    assert str(settings.public_url) == "https://bot.example.org/"


@pytest.mark.parametrize(
    "name", [name for name in Settings.model_fields if name not in EMPTY_IS_A_VALUE]
)
def test_an_empty_value_is_the_default(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """``OUTREACH_X=`` (or a bare ``OUTREACH_X`` line) gives the value left unset would."""
    monkeypatch.delenv(f"OUTREACH_{name.upper()}", raising=False)
    unset = getattr(Settings(_env_file=None), name)  # type: ignore[call-arg]
    monkeypatch.setenv(f"OUTREACH_{name.upper()}", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert getattr(settings, name) == unset
    assert name not in settings.model_fields_set


def test_empty_quiet_days_still_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one setting where empty says something: no day without sending."""
    monkeypatch.setenv("OUTREACH_QUIET_DAYS", "")
    assert Settings(_env_file=None).quiet_days == ""  # type: ignore[call-arg]


def test_an_empty_public_url_lets_links_follow_the_listening_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``OUTREACH_PUBLIC_URL=`` behaves as unset: run's links point where it listens."""
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "")
    settings = Settings(_env_file=None).served_at("127.0.0.1", 8093)  # type: ignore[call-arg]
    assert str(settings.public_url) == "http://127.0.0.1:8093/"


def test_an_unknown_outreach_variable_is_named_with_the_setting_it_resembles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typos in the environment or ``.env`` are warned about; the action server's are not."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "OUTREACH_QUIET_DAY=saturday\nOUTREACH_API_TOKEN=for-the-action-server\nLANG=C\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OUTREACH_DATABSE_URL", "postgresql://outreach@db/outreach")
    monkeypatch.setenv("outreach_colour", "blue")
    warnings = [line for line in unknown_variables() if "DATABSE" in line or "QUIET" in line]
    assert warnings == [
        "OUTREACH_DATABSE_URL is not a setting of outreach-bot and is ignored; did you mean "
        "OUTREACH_DATABASE_URL?",
        "OUTREACH_QUIET_DAY is not a setting of outreach-bot and is ignored; did you mean "
        "OUTREACH_QUIET_DAYS?",
    ]
    assert "OUTREACH_COLOUR is not a setting of outreach-bot and is ignored" in unknown_variables()
    assert not [line for line in unknown_variables() if "API_TOKEN" in line]


def test_a_libpq_sslmode_becomes_asyncpgs_ssl(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hosting provider's ``?sslmode=require`` URL works instead of failing in the driver."""
    monkeypatch.setenv(
        "OUTREACH_DATABASE_URL",
        "postgres://outreach:pw@db.example.org:5432/outreach?sslmode=require",
    )
    assert Settings(_env_file=None).database_url == (  # type: ignore[call-arg]
        "postgresql+asyncpg://outreach:pw@db.example.org:5432/outreach?ssl=require"
    )
