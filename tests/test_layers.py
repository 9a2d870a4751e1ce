"""The import layers of ``src/`` (import-linter contracts in pyproject.toml) hold, and bite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """import-linter, with the project's contracts, on the package found in ``package_parent``."""
    return subprocess.run(  # noqa: S603 - our own command line
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(package_parent)},
        cwd=package_parent,
    )


def test_every_layer_imports_only_below_itself() -> None:
    """Adapters import the core, the core imports pure rules, never the other way round."""
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout


def test_an_upward_or_io_import_breaks_the_contracts(tmp_path: Path) -> None:
    """A web module importing the composition root, or the domain importing a database
    library, is reported with the contract it breaks."""
    copy = tmp_path / "outreach_bot"
    shutil.copytree(
        ROOT / "src" / "outreach_bot", copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    with (copy / "web" / "keys.py").open("a", encoding="utf-8") as keys:
        keys.write("\nfrom outreach_bot.app import resolve_secret  # noqa: E402\n")
    with (copy / "domain" / "leads.py").open("a", encoding="utf-8") as leads:
        leads.write("\nimport sqlalchemy  # noqa: E402\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "outreach_bot.web.keys -> outreach_bot.app" in result.stdout
    assert "outreach_bot.domain.leads -> sqlalchemy" in result.stdout
