"""SMS spelling is folded onto plain French before classification."""

from __future__ import annotations

import pytest

from outreach_bot.nlu.normalization import expand, fold_accents, normalize, spell_out


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("Jveux un TAF stp", "je veux un taf s'il te plaît"),
        ("ouiiiii", "oui"),
        ("Chui à la rue", "je suis à la rue"),
        ("jsp…  mtn", "je sais pas… maintenant"),
        ("j’ai un rdv", "j'ai un rendez-vous"),
        ("mon CV", "mon cv"),
        ("appelle-moi", "appelle-moi"),
    ],
)
def test_sms_words_are_spelt_out(text: str, expanded: str) -> None:
    """Abbreviations, stretched letters and curly apostrophes become plain words."""
    assert expand(text) == expanded


def test_accents_are_folded_only_for_matching() -> None:
    """The matching form drops accents; the expanded form keeps them for the sentence encoder."""
    assert fold_accents("Arrête, ça suffit") == "Arrete, ca suffit"
    assert normalize("ARRÊTE DE M’ÉCRIRE") == "arrete de m'ecrire"


def test_the_classifier_reads_phone_spelling_written_out() -> None:
    """spell_out adds the dialogue's respelling to the SMS table: one reading for both."""
    assert spell_out("jcomprend pa tro stp 👋") == "je comprend pas trop s'il te plaît salut"


def test_the_safety_net_input_is_unchanged_by_the_respelling() -> None:
    """normalize, which the crisis patterns were reviewed against, keeps its own table."""
    assert normalize("jcomprend pa tro") == "jcomprend pa tro"
