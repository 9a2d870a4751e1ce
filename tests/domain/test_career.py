"""A career project told by the words around a trade the classifier never saw."""

from __future__ import annotations

import pytest

from outreach_bot.domain.career import names_a_project


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("il me faut une corde pour mon projet de cordiste", True),
        ("le metier de cordiste sa m attire grave 🧗", True),
        ("mon projet pro c soudeur", True),
        ("jveux devenir cordiste", True),
        ("il me faut une corde", False),
        ("jcherche du taf", False),
    ],
)
def test_a_career_project(text: str, project: bool) -> None:
    """A project, a trade or someone to become; a rope alone is none."""
    assert names_a_project(text) is project
