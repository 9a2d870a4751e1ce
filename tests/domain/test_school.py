"""A collège pupil told apart from a school leaver and from everyone else."""

from __future__ import annotations

import pytest

from outreach_bot.domain.school import speaks_as_a_pupil


@pytest.mark.parametrize(
    "text",
    [
        "jsuis en 3e",
        "jsuis au college en 3e et jveux savoir les formations apres",
        "g 15 ans jcherche une formation",
        "je suis collégienne",
        "jdois trouver un stage",
        "jsuis en 3eme je cherche un stage d'observation",
    ],
)
def test_a_pupil_or_a_stage_question(text: str) -> None:
    """Still at collège, 15 or younger, or a placement asked about."""
    assert speaks_as_a_pupil(text)


@pytest.mark.parametrize(
    "text",
    [
        "jai arrete en 3eme jcherche une formation",
        "jai quitté le college",
        "jai 20 ans je cherche une formation en cuisine",
        "jveux me former",
        "j'ai 17 ans",
    ],
)
def test_a_school_leaver_or_an_adult_is_no_pupil(text: str) -> None:
    """Left in 3e, or an age from 16 on, or nothing said of school."""
    assert not speaks_as_a_pupil(text)
