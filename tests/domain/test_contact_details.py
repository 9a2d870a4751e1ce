"""Phone numbers and e-mail addresses are blanked from texts kept for review; the rest stays."""

from __future__ import annotations

import pytest

from outreach_bot.domain.contact_details import gives_phone_number, strip_contact_details


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("mon num 06 12 34 56 78 rappelez moi", "mon num [téléphone] rappelez moi"),
        ("0612345678", "[téléphone]"),
        ("c le 06.12.34.56.78 ou le +33 7 12 34 56 78", "c le [téléphone] ou le [téléphone]"),
        ("appelle ma mère au 03 29 86 12 34", "appelle ma mère au [téléphone]"),
        ("écris à sam_99@gmail.com stp", "écris à [e-mail] stp"),
        ("Inès, Stenay, ines.martin@example.fr", "Inès, Stenay, [e-mail]"),
    ],
)
def test_phone_numbers_and_emails_are_blanked(text: str, kept: str) -> None:
    """Every way a number or an address is typed gives way to a mark."""
    assert strip_contact_details(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "jai 17 ans et j'habite au 55100",
        "rdv le 12/03 a 14h",
        "jsuis né le 12/05/2006",
        "le cej c 500 euros par mois ?",
        "@lea t ou",
    ],
)
def test_ages_dates_postcodes_and_amounts_stay(text: str) -> None:
    """Figures that are not a way to reach someone are kept: the quality loop needs them."""
    assert strip_contact_details(text) == text


@pytest.mark.parametrize(
    "message",
    [
        "mon numéro c 06 12 34 56 78 et jhabite a stenay",
        "07 81 23 45 67",
        "rappelez moi au 0612345678 svp",
        "mon num +33 6 12 34 56 78",
        "voilà 06 12 34 56 78 merci",
        "vous pouvez me joindre au 07 81 23 45 67 l'aprem",
    ],
)
def test_a_number_handed_over_is_seen(message: str) -> None:
    assert gives_phone_number(message)


@pytest.mark.parametrize(
    "message",
    [
        "effacez mon numéro 06 12 34 56 78 svp",
        "arretez de mecrire au 06 12 34 56 78",
        "ne plus m'écrire au 0612345678",
        "supprime le 0612345678",
        "j'ai 19 ans je cherche une formation pour le 12/01",
        "mon code postal c 55100",
        "c'est combien le CEJ ? 528 euros ?",
        "c'est qui ce numéro 07 81 23 45 67 ? il m'appelle tout le temps",
        "j'ai reçu un appel du 06 12 34 56 78 hier soir",
        "c quoi le 0 800 235 236 que tu m'as donné",
        "c Inès de Stenay, 06 12 34 56 78, t'as vu le match ?",
    ],
)
def test_a_number_to_remove_or_no_number_at_all_is_not(message: str) -> None:
    assert not gives_phone_number(message)
