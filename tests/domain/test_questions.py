"""The kind of question a short message asks, as young people type it."""

from __future__ import annotations

import pytest

from outreach_bot.domain.questions import (
    QUESTION_KINDS,
    has_phrase,
    question_kinds,
    signs_up,
    words_of,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("c'est payé combien ?", "pay"),
        ("c payé ?", "pay"),
        ("et niveau thune ?", "pay"),
        ("how much will I get?", "pay"),
        ("ça coûte combien ?", "cost"),
        ("c gratuit ?", "cost"),
        ("is it free", "cost"),
        ("c'est où ?", "where"),
        ("c ou", "where"),
        ("vous etes ou", "where"),
        ("where is it", "where"),
        ("c ouvert le samedi ?", "when"),
        ("vous passez quand", "when"),
        ("j'ai 17 ans ça marche ?", "who"),
        ("jusqu'a quel age ?", "who"),
        ("and up to what age?", "who"),
        ("c pour qui", "who"),
        ("comment on s'inscrit ?", "how_to"),
        ("on fait comment", "how_to"),
        ("ça dure combien de temps ?", "how_long"),
        ("combien d'heures par semaine", "how_long"),
        ("how long is it", "how_long"),
        ("il faut quels papiers ?", "papers"),
        ("je dois ramener quoi", "papers"),
        ("c obligatoire ?", "rules"),
        ("c automatique", "rules"),
        ("on est payé ?", "pay"),
        ("on en trouve ou ?", "where"),
        ("je postule où", "where"),
    ],
)
def test_the_kind_of_question(text: str, kind: str) -> None:
    """Each kind is found in SMS spelling, without accents, in French and English."""
    assert kind in question_kinds(text)
    assert kind in QUESTION_KINDS


@pytest.mark.parametrize(
    "text",
    [
        "je peux venir quand même ?",
        "formation ou travail",
        "je cherche du taf",
        "ok",
        "et si j'ai pas de garant ?",
        "je suis en train de chercher",
        "un taf ou une formation ou un stage",
    ],
)
def test_no_kind_in_what_asks_none(text: str) -> None:
    """Fixed expressions and the word "ou" (or) ask nothing: whole words, idioms removed."""
    assert question_kinds(text) == ()


def test_an_amount_alone_is_pay_or_cost_and_a_duration_is_not_an_amount() -> None:
    """ "c'est combien ?" lets the topic decide; "combien de temps" is only a duration."""
    assert question_kinds("c combien") == ("pay", "cost")
    assert question_kinds("ça dure combien de temps ?") == ("how_long",)


def test_phrases_match_whole_words_only() -> None:
    """ "cap" is not found in "capable", "rsa" is found in "le RSA ?"."""
    assert not has_phrase(words_of("je suis capable"), "cap")
    assert has_phrase(words_of("et avec le RSA ?"), "rsa")
    assert has_phrase(words_of("contrat d’engagement"), "contrat d'engagement")


@pytest.mark.parametrize(
    "text",
    [
        "c koi la dose de doliprane pr la fievre",
        "jpeux prendre cmb de doliprane par jour",
        "c koi la posologie de l ibuprofene",
        "g de la fievre je peux prendre combien de medocs",
        "how much paracetamol can I take",
    ],
)
def test_a_question_about_a_dose(text: str) -> None:
    """How much of a medicine to take is asked by a dose word, or a medicine with a word of
    taking or of quantity."""
    assert question_kinds(text)[0] == "dose"


@pytest.mark.parametrize(
    "text",
    [
        "je garde mes médocs dans mon sac",
        "ma mere ma donné du doliprane pr le taf",
        "jai oublié mes medocs",
        "je peux prendre le bus ?",
        "c combien",
    ],
)
def test_a_medicine_named_asks_no_dose(text: str) -> None:
    """A medicine named alone, or taking a bus, is no question about a dose."""
    assert "dose" not in question_kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "ok et faut faire quoi pr sinscrire",
        "jmen occupe comment pr minscrire ??",
        "on fait quoi pour le commencer",
        "quoi faire pr rentrer dedans",
    ],
)
def test_how_to_sign_up_typed_in_passing(text: str) -> None:
    """ "faut faire quoi pr sinscrire": the apostrophe left out, "pr" for "pour"."""
    assert "how_to" in question_kinds(text)


@pytest.mark.parametrize(
    ("text", "signing_up"),
    [
        ("comment on s'inscrit", True),
        ("ok et faut faire quoi pr sinscrire", True),
        ("l'inscription c quand", True),
        ("je veux me desinscrire", False),
        ("désinscrivez moi svp", False),
        ("stop", False),
    ],
)
def test_signing_up_is_not_signing_off(text: str, signing_up: bool) -> None:
    """ "s'inscrire" is told apart from "se désinscrire", its opposite."""
    assert signs_up(text) is signing_up
