"""A relative's trouble told as such, apart from the young person's own need."""

from __future__ import annotations

import pytest

from outreach_bot.domain.relatives import (
    about_a_relative,
    for_a_relative,
    relatives_trouble_removed,
)


@pytest.mark.parametrize(
    "text",
    [
        "mon frere est en prison et ma mere galere a payer le loyer",
        "ma reum peut plus payer le loyer",
        "mes parents vont se faire expulser de lappart",
        "ma sœur est à l'hôpital",
        "mon grand frère est en taule depuis 3 mois",
        "mon pere a perdu son taf",
    ],
)
def test_a_relative_s_trouble_is_told_apart(text: str) -> None:
    """A relative and a household trouble, and nothing of the writer's own need."""
    assert about_a_relative(text)


@pytest.mark.parametrize(
    "text",
    [
        "jarrive pa a payer mon loyer",
        "mon copain est en taule et jsais pas comment payer le loyer",
        "ma mere touche le rsa et moi je voudrais faire le cej",
        "c pour mon frere il a 17 ans il a arreter l'ecole",
        "j'habite a dun sur meuse avec ma mere",
        "je sors de prison",
    ],
)
def test_one_s_own_need_or_no_trouble_is_not_a_relative_s(text: str) -> None:
    """The writer speaks of themselves, or the relative has no trouble named."""
    assert not about_a_relative(text)


def test_the_relative_s_trouble_names_no_topic_beside_one_s_own_need() -> None:
    """The rent is the mother's; the job search is the writer's."""
    words = relatives_trouble_removed("ma mere galere avec le loyer alors je cherche un taf")
    assert " loyer " not in words
    assert " taf " in words


@pytest.mark.parametrize(
    "text",
    [
        "c pour ma soeur… elle veut arreter les cours",
        "mon petit frere il veut quitter le lycee il a 16 ans",
        "jvous ecris pour ma cousine elle cherche du taf",
        "it's for my brother, he wants a job",
    ],
)
def test_a_message_written_for_a_relative_is_told_apart(text: str) -> None:
    """The relative is the one the message is for, and the writer wishes nothing for
    themselves."""
    assert for_a_relative(text)


@pytest.mark.parametrize(
    "text",
    [
        "ma soeur elle bosse deja, moi je cherche une formation",
        "ma mere veut que je fasse une formation",
        "jcherche un taf pour ma fille",
        "mon pote cherche un taf et moi aussi",
        "je veux arreter les cours",
    ],
)
def test_the_writer_s_own_wish_is_not_written_for_a_relative(text: str) -> None:
    """The writer's own wish, a wish that is the writer's to fulfil, or no relative."""
    assert not for_a_relative(text)
