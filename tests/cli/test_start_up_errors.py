"""A database or folder the bot cannot use, as an operator meets it: one line, no traceback."""

from __future__ import annotations

import os
import re
import socket
import uuid
from pathlib import Path

import alembic.config  # noqa: F401 - see below
import pytest

from outreach_bot.cli import main
from tests.cli.test_cli import run_cli
from tests.conftest import POSTGRES_ADMIN_URL, ROOT, _postgres_reachable

# Alembic's Config takes ``sys.stdout`` as it was when alembic.config was first imported; imported
# here, at collection, rather than by a test below under capsys, whose stream is closed after it.


@pytest.fixture(name="environ")
def _environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """This test's own var/ and working directory, and no OUTREACH_* of this machine."""
    for name in list(os.environ):
        if name.upper().startswith("OUTREACH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OUTREACH_CONTENT_DIR", str(ROOT / "bot"))
    monkeypatch.setenv("OUTREACH_NLU_DATA", str(ROOT / "nlu" / "data"))
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def start_up_line(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> str:
    """What ``outreach-bot db upgrade`` says on standard error with this database URL."""
    environ.setenv("OUTREACH_DATABASE_URL", url)
    with pytest.raises(SystemExit) as stopped:
        main(["db", "upgrade"])
    assert stopped.value.code == 1
    [line] = capsys.readouterr().err.splitlines()
    return line


def free_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_postgresql_is_one_line(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listening on the port: the line says so, with the password masked."""
    port = free_port()
    line = start_up_line(
        environ, capsys, f"postgresql://outreach:hunter2@127.0.0.1:{port}/outreach"
    )
    assert line == (
        "OUTREACH_DATABASE_URL: cannot use the database "
        f"'postgresql+asyncpg://outreach:***@127.0.0.1:{port}/outreach': "
        "connection refused: is PostgreSQL running, on that host and port?"
    )


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_one_line(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server answers but has no such database: PostgreSQL's own words, one line."""
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"outreach_missing_{uuid.uuid4().hex[:10]}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    line = start_up_line(environ, capsys, url)
    assert line.startswith("OUTREACH_DATABASE_URL: cannot use the database ")
    assert line.endswith(f': database "{name}" does not exist')


def test_a_read_only_sqlite_file_is_refused_at_start_up(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A database already upgraded but read-only fails now, not at the first message.

    Opened read-only by URI, because the tests run as root, whom file permissions do not stop;
    SQLite opens a file its user may not write in this same read-only mode.
    """
    database = tmp_path / "outreach.db"
    environ.setenv("OUTREACH_DATABASE_URL", f"sqlite:///{database}")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    line = start_up_line(environ, capsys, f"sqlite:///file:{database}?mode=ro&uri=true")
    assert line.startswith("OUTREACH_DATABASE_URL: cannot use the database ")
    assert line.endswith(
        ": attempt to write a readonly database (the user running outreach-bot must be able "
        "to write it)"
    )


def test_a_sqlite_folder_that_cannot_be_made_is_one_line(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A SQLite file under something that is not a folder names the setting and the path."""
    (tmp_path / "backups").write_text("not a folder", encoding="utf-8")
    line = start_up_line(environ, capsys, f"sqlite:///{tmp_path / 'backups' / 'outreach.db'}")
    assert line.startswith("OUTREACH_DATABASE_URL: cannot use the database ")
    assert str(tmp_path / "backups") in line


def test_a_var_dir_that_cannot_hold_the_secret_key_is_one_line(
    environ: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without OUTREACH_SECRET_KEY the generated key must be written: if it cannot, say where."""
    (tmp_path / "var").write_text("not a folder", encoding="utf-8")
    environ.setenv("OUTREACH_DATABASE_URL", f"sqlite:///{tmp_path / 'outreach.db'}")
    assert main(["api-token", "create", "crm"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    key = tmp_path / "var" / "secret.key"
    assert line.startswith(f"error: OUTREACH_VAR_DIR: cannot keep the secret key in {key} (")
    assert line.endswith("); let the bot's user write there, or set OUTREACH_SECRET_KEY")


def test_a_port_already_in_use_is_one_line(tmp_path: Path) -> None:
    """``run`` on a port another program holds says which address, not a traceback."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_cli(
            ["run", "--port", str(port)], tmp_path, OUTREACH_SECRET_KEY="not-for-production"
        )
    assert result.returncode == 1
    logged = re.compile(r"\d{4}-\d\d-\d\d \d\d:")  # the log lines, timestamp first
    errors = [line for line in result.stderr.splitlines() if not logged.match(line)]
    assert errors == [f"error: cannot listen on 127.0.0.1 port {port}: Address already in use"]
