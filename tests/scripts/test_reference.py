"""scripts/gen_reference.py: the committed reference pages say what the code does."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from outreach_bot.cli import build_parser
from outreach_bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_reference.py"


@pytest.fixture(name="gen", scope="module")
def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["configuration.md", "cli.md"])
def test_committed_page_matches_the_code(gen: ModuleType, name: str) -> None:
    """Each generated page is exactly what the script writes now; rerun it after a change."""
    committed = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert committed == gen.PAGES[name](), (
        f"docs/reference/{name} is out of date: run .venv/bin/python scripts/gen_reference.py"
    )


def test_check_fails_on_a_stale_page(gen: ModuleType, tmp_path: Path) -> None:
    """``--check`` finds a page that differs from the code and one that is missing."""
    reference = tmp_path / "docs" / "reference"
    reference.mkdir(parents=True)
    (reference / "configuration.md").write_text(gen.configuration_page() + "edited\n")
    assert gen.stale_pages(tmp_path) == [reference / "configuration.md", reference / "cli.md"]
    (reference / "configuration.md").write_text(gen.configuration_page())
    (reference / "cli.md").write_text(gen.cli_page())
    assert gen.stale_pages(tmp_path) == []


def test_every_setting_is_described(gen: ModuleType) -> None:
    """Every field of Settings has a description, and the page names its variable."""
    page = gen.configuration_page()
    described = gen.field_docstrings(Settings)
    for name in Settings.model_fields:
        assert described.get(name), f"Settings.{name} has no docstring"
        assert f"`OUTREACH_{name.upper()}`" in page


def test_every_subcommand_and_argument_is_listed(gen: ModuleType) -> None:
    """Every subcommand of the parser has a section, and every argument a line with help."""
    page = gen.cli_page()

    def walk(parser):
        for _help, sub in gen.subcommands(parser):
            yield sub
            yield from walk(sub)

    for sub in walk(build_parser()):
        assert f"`{sub.prog}`" in page
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help, f"{sub.prog} {action.dest} has no help"
            assert gen.markdown(action.help) in page
