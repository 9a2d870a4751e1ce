"""The crisis and opt-out safety net: what it must catch, and what it must leave alone."""

from __future__ import annotations

import pytest

from outreach_bot.nlu.safety import CrisisKind, crisis_kind, is_opt_out

CRISIS_MESSAGES = [
    ("je veux mourir", CrisisKind.SUICIDE),
    ("JVEUX MOURIR", CrisisKind.SUICIDE),
    ("jveux mourriiiir", CrisisKind.SUICIDE),
    ("je veux juste mourir", CrisisKind.SUICIDE),
    ("non jveux juste mourir", CrisisKind.SUICIDE),
    ("j'ai envie de me suicider", CrisisKind.SUICIDE),
    ("jsuis suicidaire", CrisisKind.SUICIDE),
    ("je vais me tuer ce soir", CrisisKind.SUICIDE),
    ("jvais me foutre en l’air", CrisisKind.SUICIDE),
    ("envie d'en finir", CrisisKind.SUICIDE),
    ("je veux en finir avec la vie", CrisisKind.SUICIDE),
    ("jveux plus vivre", CrisisKind.SUICIDE),
    ("j'ai plus envie de vivre", CrisisKind.SUICIDE),
    ("des idées noires tout le temps", CrisisKind.SUICIDE),
    ("tout le monde serait mieux sans moi", CrisisKind.SUICIDE),
    ("j'ai envie de me faire du mal", CrisisKind.SUICIDE),
    ("je me fais du mal exprès", CrisisKind.SUICIDE),
    ("jme fait du mal", CrisisKind.SUICIDE),
    ("je craque je vais me faire du mal", CrisisKind.SUICIDE),
    ("je me suis fait du mal hier", CrisisKind.SUICIDE),
    ("je me scarifie depuis 1 an", CrisisKind.SUICIDE),
    ("je me suis coupée les bras hier", CrisisKind.SUICIDE),
    ("j'ai avalé toute la boîte de cachets", CrisisKind.SUICIDE),
    ("j'ai pris 15 doliprane", CrisisKind.SUICIDE),
    ("je veux sauter du pont", CrisisKind.SUICIDE),
    ("I want to kill myself", CrisisKind.SUICIDE),
    ("il me frappe", CrisisKind.VIOLENCE),
    ("mon beau-père me bat", CrisisKind.VIOLENCE),
    ("mon copain m'a frappée hier soir", CrisisKind.VIOLENCE),
    ("ma mère me tape quand elle a bu", CrisisKind.VIOLENCE),
    ("il va me tuer", CrisisKind.VIOLENCE),
    ("j'ai été violée", CrisisKind.VIOLENCE),
    ("mon oncle me touche", CrisisKind.VIOLENCE),
    ("ils veulent me marier de force", CrisisKind.VIOLENCE),
    ("my boyfriend beats me", CrisisKind.VIOLENCE),
    ("il me fait du mal", CrisisKind.VIOLENCE),
    ("je suis harcelée et menacée de mort", CrisisKind.VIOLENCE),
    ("mon copain me fait du mal", CrisisKind.VIOLENCE),
    ("je sais pas quoi faire il me fait du mal", CrisisKind.VIOLENCE),
    ("ils me font du mal à la maison", CrisisKind.VIOLENCE),
    ("mon cousin veut me faire du mal", CrisisKind.VIOLENCE),
    ("je dors dehors ce soir", CrisisKind.SHELTER),
    ("jdors dehors cette nuit", CrisisKind.SHELTER),
    ("je suis à la rue ce soir", CrisisKind.SHELTER),
    ("mes parents m'ont viré de chez moi", CrisisKind.SHELTER),
    ("ma mère m'a mise à la porte", CrisisKind.SHELTER),
    ("je sais pas où dormir ce soir", CrisisKind.SHELTER),
    ("je vais dormir dans ma voiture", CrisisKind.SHELTER),
    ("chui sdf", CrisisKind.SHELTER),
    ("I'm homeless tonight", CrisisKind.SHELTER),
    ("je suis en danger", CrisisKind.DANGER),
    ("au secours", CrisisKind.DANGER),
    ("y a un mec qui me suit", CrisisKind.DANGER),
    ("j'ai fugué", CrisisKind.DANGER),
]

BENIGN_MESSAGES = [
    "je suis mort de rire",
    "ptdr",
    "ce taf me tue",
    "ça va me tuer ces trajets",
    "ma mère va me tuer si je rate mon bac",
    "je veux en finir avec ce dossier CAF",
    "je me suis coupé les cheveux",
    "je me cogne partout",
    "ça me fait du mal de voir ça",
    "il me tape sur les nerfs",
    "ton message me touche beaucoup",
    "je cherche un logement",
    "mon proprio veut me mettre dehors dans deux mois",
    "j'habite rue de la gare",
    "je crève de faim, j'ai pas de thune",
    "je veux sauter une étape dans ma formation",
    "je prends des médicaments pour l'asthme",
    "je suis dehors, je t'appelle après",
    "j'ai été viré de mon taf",
    "je veux me battre pour avoir mon diplôme",
    "bonjour je cherche une formation",
    "help me prepare for an interview",
]


@pytest.mark.parametrize(("text", "kind"), CRISIS_MESSAGES)
def test_crisis_messages_are_caught_with_their_kind(text: str, kind: CrisisKind) -> None:
    """A young person in danger is recognised, and the kind picks the right emergency number."""
    assert crisis_kind(text) == kind


@pytest.mark.parametrize("text", BENIGN_MESSAGES)
def test_everyday_messages_do_not_raise_a_crisis(text: str) -> None:
    """Idioms and ordinary requests do not trigger the emergency answer."""
    assert crisis_kind(text) is None


def test_kinds_compare_as_plain_strings() -> None:
    """The dialogue can compare the kind with a literal such as "shelter"."""
    assert crisis_kind("je dors dehors ce soir") == "shelter"


def test_the_most_severe_kind_wins() -> None:
    """A message with violence and suicidal thoughts gets the suicide helpline first."""
    assert crisis_kind("il me frappe et je veux mourir") == CrisisKind.SUICIDE


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        "arrêt",
        "Arrêtez svp",
        "arrête de m'écrire",
        "arrete de mecrire",
        "ne m'écrivez plus",
        "je veux plus recevoir vos messages",
        "stop sms",
        "désabonnez moi",
        "vous me saoulez avec vos sms, stop",
        "don't text me anymore",
    ],
)
def test_stop_requests_are_caught(text: str) -> None:
    """Any clear request to stop the messages is honoured, in capitals or not."""
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "j'ai fait du stop pour venir",
        "j'ai arrêté l'école en 3e",
        "ils m'ont désinscrit du lycée",
        "je veux arrêter de fumer",
        "oui je veux bien recevoir les offres",
        "bonjour",
    ],
)
def test_other_messages_are_not_opt_outs(text: str) -> None:
    """Hitch-hiking, dropping out of school or quitting smoking do not unsubscribe anybody."""
    assert not is_opt_out(text)
