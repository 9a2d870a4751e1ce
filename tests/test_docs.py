"""The documentation names files that exist (links between pages are checked by mkdocs)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]

# A code span naming a file or folder of the repository outside src/, such as
# `tests/web/test_fuzz.py` or `bot/crisis.yml`. Source modules are named relative to the
# package (`core/channel.py`) and are not checked here.
REPO_PATH = re.compile(r"`((?:tests|scripts|benchmarks|bot|nlu|actions|\.ci)/[\w./-]*)`")


def test_every_repository_path_named_in_the_docs_exists() -> None:
    """A test, script, benchmark or content file named in a page is where the page says."""
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in PAGES
        for path in REPO_PATH.findall(page.read_text(encoding="utf-8"))
        if not (ROOT / path).exists()
    ]
    assert missing == []


def test_readme_links_to_pages_that_exist() -> None:
    """The README's relative links work on a git forge, where mkdocs does not check them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    relative = [target for target in targets if "://" not in target]
    assert relative
    assert [target for target in relative if not (ROOT / target).exists()] == []
