"""``outreach-bot nlu export-reviewed``: labelled messages as Rasa NLU YAML, run as an operator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.config import Settings
from outreach_bot.nlu.data import load_examples
from outreach_bot.storage.models import AuditEntry, UnderstoodGap
from tests.cli.test_cli import run_cli
from tests.conftest import make_settings
from tests.fakes import FakeNlu

GAPS = (
    ("jcherche 1 taf", "find_job"),
    ("c koi la mission locale", "mission_locale_info"),
    ("jcherche 1 taf", "find_job"),
    ("aucune idée", None),
)


def _env(settings: Settings) -> dict[str, str]:
    return {
        "OUTREACH_DATABASE_URL": settings.database_url,
        "OUTREACH_SECRET_KEY": settings.secret_key,
    }


async def _seed(settings: Settings) -> None:
    async with (
        open_services(settings, nlu=FakeNlu()) as services,
        services.sessions.begin() as session,
    ):
        for text, label in GAPS:
            session.add(UnderstoodGap(text=text, guess="out_of_scope", label=label))


async def _audit_actors(settings: Settings) -> list[tuple[str, str]]:
    async with open_services(settings, nlu=FakeNlu()) as services, services.sessions() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
        return [(row.actor, row.target_id) for row in rows]


def _prepared(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    upgraded = run_cli(["db", "upgrade"], tmp_path, **_env(settings))
    assert upgraded.returncode == 0, upgraded.stderr
    asyncio.run(_seed(settings))
    return settings


def test_export_reviewed_prints_rasa_yaml_of_the_labelled_messages(tmp_path: Path) -> None:
    """Stdout is the YAML (labelled, deduplicated, sorted); stderr says what to do with it."""
    settings = _prepared(tmp_path)
    result = run_cli(["nlu", "export-reviewed"], tmp_path, **_env(settings))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {
        "version": "3.1",
        "nlu": [
            {"intent": "find_job", "examples": "- jcherche 1 taf\n"},
            {"intent": "mission_locale_info", "examples": "- c koi la mission locale\n"},
        ],
    }
    assert "aucune idée" not in result.stdout
    assert "2 reviewed examples exported" in result.stderr
    assert "review them before they join nlu/data/" in result.stderr
    assert asyncio.run(_audit_actors(settings)) == [("cli", "2")]


def test_export_reviewed_writes_a_file_our_nlu_loader_reads(tmp_path: Path) -> None:
    """With --output the file is written, stdout stays empty, and the loader reads it back."""
    settings = _prepared(tmp_path)
    result = run_cli(
        ["nlu", "export-reviewed", "--output", "reviewed.yml"], tmp_path, **_env(settings)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    examples = load_examples(tmp_path / "reviewed.yml")
    assert sorted(examples) == [
        ("c koi la mission locale", "mission_locale_info"),
        ("jcherche 1 taf", "find_job"),
    ]


def test_export_reviewed_on_a_fresh_machine_gives_an_empty_document(tmp_path: Path) -> None:
    """With no database yet, the command creates it and prints a valid, empty NLU file."""
    result = run_cli(["nlu", "export-reviewed"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {"version": "3.1", "nlu": []}
    assert "0 reviewed examples exported" in result.stderr
