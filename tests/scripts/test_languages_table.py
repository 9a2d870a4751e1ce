"""docs/reference/languages.md: the table of languages × texts × review state, kept current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_languages.py"


def test_the_committed_table_matches_bot() -> None:
    """A text added, translated or reviewed without regenerating the page fails here."""
    result = subprocess.run(  # noqa: S603 - our own script, with our own interpreter
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_table_shows_each_language_and_its_drafts() -> None:
    """The page names every language folder, and the drafted translations show as drafts."""
    page = (ROOT / "docs" / "reference" / "languages.md").read_text(encoding="utf-8")
    for folder in (ROOT / "bot" / "languages").iterdir():
        assert f"`{folder.name}`" in page
    row = next(line for line in page.splitlines() if line.startswith("| `crisis.kinds.suicide`"))
    assert row.count("**draft**") >= 3, row
