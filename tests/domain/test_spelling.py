"""Phone spelling is written out before a message is read (classifier and dialogue alike)."""

from __future__ import annotations

import pytest

from outreach_bot.domain.questions import question_kinds, words_of
from outreach_bot.domain.spelling import respell


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("jcomprend pa tro", "je comprend pas trop"),
        ("a kel age on pe y aller", "a quel age on peux y aller"),
        ("g 17ans é je ve un job", "g 17 ans et je veux un job"),
        ("JCHERCHE 1 taf ds le coin", "je cherche 1 taf dans le coin"),
        ("ya koi comme aide", "il y a quoi comme aide"),
        ("1an de plus", "1 an de plus"),
    ],
)
def test_phone_spelling_is_written_out(typed: str, read: str) -> None:
    """Clipped and phonetic words, "je" glued to a verb and a number glued to its unit."""
    assert " ".join(respell(typed).split()) == read


@pytest.mark.parametrize(
    "word",
    ["jtm", "jaune", "jeudi", "j'ai", "peu", "sa", "c", "t", "g", "3e", "20h", "55100", "b2"],
)
def test_ordinary_words_are_left_alone(word: str) -> None:
    """A word that is French as it stands, a short "j" word, an ordinal or a code stays."""
    assert respell(word) == word


def test_an_emoji_reads_as_its_word() -> None:
    """A wave says hello, a thumbs-up ok, joined hands thanks, alone or beside words."""
    assert respell("👋").split() == ["salut"]
    assert respell("ok 👍👍").split() == ["ok", "ok", "ok"]
    assert respell("merci🙏").split() == ["merci", "merci"]


def test_the_dialogue_reads_questions_respelt() -> None:
    """ "kel age" asks who, like "quel âge"; "17ans" is the age keyword "17 ans"."""
    assert "who" in question_kinds("a kel age on pe passer le permis")
    assert " 17 ans " in words_of("g 17ans é je ve bosser")
