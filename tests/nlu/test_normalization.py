"""SMS spelling is folded onto plain French before classification."""

from __future__ import annotations

import pytest

from outreach_bot.nlu.normalization import expand, fold_accents, normalize


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
