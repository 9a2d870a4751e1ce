"""Ages are read from digits, French or English words and birth dates, counted on a fixed day."""

from datetime import date

import pytest

from outreach_bot.domain.fields import parse_age, stated_age

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17", 17),
        (" 17 ", 17),
        ("j'ai 17 ans", 17),
        ("17ans", 17),
        ("17 ans et demi", 17),
        ("J'AI 22 ANS", 22),
        ("16 ans bientôt 17", 16),
        ("dans 2 mois j'ai 18", 18),
        ("10", 10),
        ("99", 99),
    ],
)
def test_an_age_in_digits_is_read(text, expected):
    """An age written in digits is understood, with or without words around it."""
    assert parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quinze", 15),
        ("seize ans", 16),
        ("dix-sept", 17),
        ("dix sept", 17),
        ("Dix-Sept ans", 17),
        ("dixsept", 17),
        ("dis-sept", 17),
        ("dis huit", 18),
        ("dix-neuf", 19),
        ("vingt", 20),
        ("vingt et un", 21),
        ("vingt-et-un ans", 21),
        ("vingtetun", 21),
        ("vingt-deux", 22),
        ("vingt deux", 22),
        ("vint trois", 23),
        ("vingt-neuf", 29),
        ("trente", 30),
        ("soixante et onze", 71),
        ("soixante-dix-sept", 77),
        ("quatre-vingts", 80),
        ("quatre-vingt-dix-neuf", 99),
        ("j'ai dix-huit ans", 18),
        ("une question : j'ai dix-huit ans", 18),
        ("seventeen", 17),
        ("I am nineteen", 19),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("twentyone", 21),
    ],
)
def test_an_age_in_words_is_read(text, expected):
    """Number words in French (hyphens, spaces or glued) and English are understood."""
    assert parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2008", 18),
        ("12-03-2008", 18),
        ("12.03.2008", 18),
        ("12 / 03 / 2008", 18),
        ("12/03/08", 18),
        ("2008-03-12", 18),
        ("12 mars 2008", 18),
        ("1er mars 2008", 18),
        ("12 Mars 2008", 18),
        ("12 déc. 2007", 18),
        ("le 3 février 2009", 17),
        ("March 12, 2008", 18),
        ("12 March 2008", 18),
        ("je suis née le 20/09/2004", 21),
        ("15/06/2008", 18),
        ("16/06/2008", 17),
        ("14/06/2008", 18),
        ("29/02/2008", 18),
        ("01/01/98", 28),
    ],
)
def test_a_birth_date_gives_the_age_on_today(text, expected):
    """A birth date counts the birthday as reached on the day itself, not the day before."""
    assert parse_age(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("2008", TODAY, 17),
        ("né en 2008", TODAY, 17),
        ("née en 2011", TODAY, 14),
        ("je suis de 2005", TODAY, 20),
        ("2008", date(2026, 12, 31), 18),
        ("2008", date(2026, 1, 1), 17),
        ("mars 2008", TODAY, 18),
        ("juin 2008", TODAY, 17),
        ("juillet 2008", TODAY, 17),
    ],
)
def test_a_year_alone_gives_the_youngest_possible_age(text, today, expected):
    """Without the day, the age is the lowest the person can be, so no 14-year-old passes as 15."""
    assert parse_age(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bof",
        "je te dis pas",
        "chais pas",
        "9",
        "9 ans",
        "100",
        "120 ans",
        "neuf",
        "cent",
        "0612345678",
        "12/03",
        "31/02/2008",
        "12/13/2008",
        "12/03/2030",
        "17-18",
        "2030",
        "deux trois",
        "vingt dix",
    ],
)
def test_answers_that_are_not_an_age_are_refused(text):
    """Nonsense, unlikely ages, impossible or future dates and half dates give no age."""
    assert parse_age(text, TODAY) is None


def test_a_birth_date_wins_over_another_number():
    """When a message gives both an age and a birth date, the date decides."""
    assert parse_age("j'ai 17 ans, née le 12/03/2007", TODAY) == 19


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("j'ai 16 ans et mes parents m'ont mis dehors", 16),
        ("jai 17ans", 17),
        ("I'm 19 and homeless", 19),
        ("je suis mineure", 17),
        ("je suis majeur", 18),
        ("ça fait depuis 12 ans que ça dure", None),
        ("il y a 15 ans", None),
        ("je dors dehors ce soir", None),
        ("le bus 15 est en retard", None),
    ],
)
def test_an_age_said_in_passing_is_read(text: str, age: int | None) -> None:
    """ "j'ai 16 ans" inside a sentence is an age; a duration or a bus line is not."""
    assert stated_age(text) == age
