"""The words a search matches on: what is indexed and what is typed reduce alike."""

from __future__ import annotations

import pytest

from outreach_bot.domain.search import MAX_WORDS, fold, search_words


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("etienne", "Étienne"),
        ("ETIENNE", "étienne"),
        ("Étienne😀", "etienne"),
        ("noemie", "Noémie"),
        ("zoe", "Zoë"),
        ("coeur", "Cœur"),
        ("logement", "des logements"),
        ("saint mihiel", "Saint-Mihiel"),
        ("bar le duc", "Bar-le-Duc"),
        ("aide", "l’aide"),
        ("mecanique", "MÉCANIQUE²"),
    ],
)
def test_a_typed_word_finds_the_stored_one_whatever_its_accents_and_case(
    typed: str, stored: str
) -> None:
    """Every word typed is among the words of what was stored, once both are normalised."""
    assert set(search_words(typed)) <= set(search_words(stored))
    assert search_words(typed)


@pytest.mark.parametrize(
    "text",
    ["😀🔥", "de la", "j'", "§ ¤ µ £ ° ~ # { [ | ` \\ ^ @ ] }", "", "   ", "l' - à"],
)
def test_emoji_symbols_and_little_words_leave_nothing_to_search(text: str) -> None:
    """AZERTY symbols, emoji, one-letter words and stop words are not words to find."""
    assert search_words(text) == []


def test_words_come_once_in_their_order() -> None:
    """A repeated word is one word; the order of the text is kept."""
    assert search_words("Boulot boulot, BOULOT à Verdun svp") == ["boulot", "verdun", "svp"]


def test_a_search_box_keeps_a_bounded_number_of_words() -> None:
    """A pasted paragraph is cut to the first words, not searched word by word."""
    typed = " ".join(f"mot{number}" for number in range(50))
    assert len(search_words(typed, limit=MAX_WORDS)) == MAX_WORDS


def test_fold_removes_accents_and_spells_ligatures_out() -> None:
    """Accents go, ligatures become two letters, case folds (ß too)."""
    assert fold("Œuvre Æther Straße Ñandú") == "oeuvre aether strasse nandu"
