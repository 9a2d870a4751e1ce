"""Ages typed by a young person: digits, number words or a birth date.

The parser only reads; whether an age is too young to collect data (under 15) or outside the
Mission Locale's public is for the dialogue to decide. It refuses what cannot be an age a person
would give (outside 10 to 99), so a mistyped year or a phone number is re-asked, not stored.

A year alone ("2008", "né en 2008") does not say whether the birthday has passed. We then return
the youngest age the person can be on ``today`` (``today.year - year - 1``, or ``today.year -
year`` on 31 December). Erring young keeps a 14-year-old from being counted as 15, the French age
of digital consent, and costs at most one year for the others. A month and a year ("mars 2008")
are read the same way, taking the last day of that month.
"""

import calendar
import re
import unicodedata
from datetime import date
from typing import Final

__all__ = ["parse_age", "stated_age"]

MIN_AGE: Final = 10
MAX_AGE: Final = 99

MONTHS: Final[dict[str, int]] = {
    # French, with the abbreviations people type
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
    # English, for newcomers
    "january": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}

# Number words, keyed by their accent-free lower-case spelling. "vint" and "vingts" are frequent
# misspellings; "quatre-vingt" is handled by the grammar in _words_value.
UNITS: Final[dict[str, int]] = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,  # the same word in English
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS: Final[dict[str, int]] = {
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: Final[dict[str, int]] = {
    "vingt": 20,
    "vingts": 20,
    "vint": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
NUMBER_WORDS: Final = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | {"et", "and"}

# Written glued together ("dixsept", "vingtetun", "twentyone"): a word made only of number words.
GLUED: Final = re.compile("(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")+")
GLUED_PART: Final = re.compile("|".join(sorted(NUMBER_WORDS, key=len, reverse=True)))

# [0-9] rather than \d, which also matches "٣" or "３": digits are read as ASCII only.
_DAY = r"(?P<d>[0-3]?[0-9])"
_MONTH = r"(?P<m>[01]?[0-9])"
_YEAR = r"(?P<y>[0-9]{4}|[0-9]{2})"
_SEP = r"\s*[/.\-]\s*"
NUMERIC_DMY: Final = re.compile(rf"(?<![0-9/.\-]){_DAY}{_SEP}{_MONTH}{_SEP}{_YEAR}(?![0-9/.\-])")
NUMERIC_YMD: Final = re.compile(
    rf"(?<![0-9/.\-])(?P<y>(?:19|20)[0-9][0-9]){_SEP}{_MONTH}{_SEP}{_DAY}(?![0-9/.\-])"
)
_MONTH_NAME = "(?P<mn>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
WORDED_DMY: Final = re.compile(
    rf"\b(?P<d>[0-3]?[0-9])(?:er|st|nd|rd|th)?\s+(?:de\s+|of\s+)?{_MONTH_NAME}\s+{_YEAR}\b"
)
WORDED_MDY: Final = re.compile(
    rf"\b{_MONTH_NAME}\s+(?P<d>[0-3]?[0-9])(?:st|nd|rd|th)?,?\s+(?P<y>[0-9]{{4}})\b"
)
WORDED_MY: Final = re.compile(rf"\b{_MONTH_NAME}\s+(?P<y>(?:19|20)[0-9][0-9])\b")
# Any run of digits joined by date separators: if it is not a date we understood ("12/03"), its
# first number is not an age either.
DIGIT_GROUP: Final = re.compile(r"[0-9]+(?:\s*[/.\-:]\s*[0-9]+)*")
# "dis sept", "dis-huit", "disneuf": a common misspelling, only read as "dix" before 7, 8 or 9 so
# that the verb in "je te dis" stays a verb.
DIS_TEEN: Final = re.compile(r"\bdis[\s-]*(sept|huit|neuf)\b")


def parse_age(text: str, today: date) -> int | None:
    """Read an age from a free answer.

    Understands "17", "j'ai 17 ans", "17ans", number words in French ("dix-sept", "dix sept",
    "dixsept", "vingt et un", "quatre-vingt-dix") and English ("seventeen", "twenty-one"), and
    birth dates ("12/03/2008", "12-03-08", "2008-03-12", "12 mars 2008", "1er mars 2008",
    "mars 2008", "né en 2008", "2008"), computed on ``today``. A year alone gives the youngest
    age possible (see the module docstring). When several numbers appear ("dans 2 mois j'ai 18"),
    the first one that can be an age wins; a birth date wins over everything else.

    Args:
        text: the message as received.
        today: the day ages are counted on; the caller passes it so results are reproducible.

    Returns:
        The age in whole years, or None when no age between 10 and 99 can be read, or when the
        text holds a date we cannot read ("12/03", "31/02/2008"), which is better asked again.
    """
    normal = _normalise(text)
    try:
        birth_age = _age_from_date(normal, today)
    except ValueError:
        return None
    if birth_age is not None:
        return _plausible(birth_age)
    for group in DIGIT_GROUP.finditer(normal):
        token = group.group()
        if not token.isdigit():
            return None
        age: int | None = None
        if len(token) <= 2:  # noqa: PLR2004 - ages have at most two digits
            age = _plausible(int(token))
        elif len(token) == 4 and token[:2] in {"19", "20"}:  # noqa: PLR2004 - a birth year
            age = _plausible(_youngest_age(date(int(token), 12, 31), today))
        if age is not None:
            return age
    for run in _number_word_runs(normal):
        words_age = _words_value(run)
        if words_age is not None and _plausible(words_age) is not None:
            return words_age
    return None


#: "j'ai 16 ans", "16ans", "I'm 17", "17 yo" inside a sentence; "mineur(e)" says under 18.
AGE_IN_SENTENCE: Final = re.compile(
    # "depuis 12 ans", "il y a 10 ans", "pendant 2 ans" are durations, not ages.
    r"(?:(?<!depuis )(?<!il y a )(?<!pendant )(?<!dans )(?<!for )"
    r"\b(?P<n>[0-9]{1,2}) ?(?:ans|an|yo|years? old)\b|\bi ?a?m (?P<m>[0-9]{1,2})\b)"
)
MINOR_WORDS: Final = re.compile(r"\b(?:mineure?s?|moins de 18 ans|under 18|underage)\b")
ADULT_WORDS: Final = re.compile(r"\b(?:majeure?s?)\b")
#: The age "mineur" and "majeur" stand for when no number is given: enough to pick 119 or 115.
MINOR_AGE: Final = 17
ADULT_AGE: Final = 18


def stated_age(text: str) -> int | None:
    """The age a person states in passing ("j'ai 16 ans et..."), or None.

    Unlike :func:`parse_age`, which reads an answer to "tu as quel âge ?", this reads any
    sentence, so it only trusts an explicit "N ans" (a bare number may be a bus line or a
    price) and the words "mineur" or "majeur".
    """
    folded = _normalise(text).replace("'", " ")
    for match in AGE_IN_SENTENCE.finditer(folded):
        age = _plausible(int(match["n"] or match["m"]))
        if age is not None:
            return age
    if MINOR_WORDS.search(folded):
        return MINOR_AGE
    if ADULT_WORDS.search(folded):
        return ADULT_AGE
    return None


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_accents.replace("’", "'").split())


def _plausible(age: int) -> int | None:
    return age if MIN_AGE <= age <= MAX_AGE else None


def _age_from_date(text: str, today: date) -> int | None:
    """Return the age for a birth date found in ``text``.

    Raises:
        ValueError: a date is there but does not exist or lies in the future.
    """
    for pattern in (NUMERIC_YMD, NUMERIC_DMY, WORDED_DMY, WORDED_MDY):
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        month = MONTHS[groups["mn"]] if groups.get("mn") else int(groups["m"])
        year = _full_year(groups["y"], today)
        born = date(year, month, int(groups["d"]))
        if born > today:
            raise ValueError("birth date in the future")
        return _age_on(born, today)
    match = WORDED_MY.search(text)
    if match is not None:
        year, month = int(match["y"]), MONTHS[match["mn"]]
        born = date(year, month, calendar.monthrange(year, month)[1])
        return _youngest_age(born, today)
    return None


def _full_year(year: str, today: date) -> int:
    if len(year) == 4:  # noqa: PLR2004 - a year written in full
        return int(year)
    # "08" is 2008 and "98" is 1998: a two-digit year in the future is last century's.
    short = int(year)
    century = today.year // 100 * 100
    return century + short if century + short <= today.year else century - 100 + short


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _youngest_age(latest_birth: date, today: date) -> int:
    """Age of someone born at the latest on ``latest_birth``, which may be later this year."""
    if latest_birth > today:
        return today.year - latest_birth.year - 1
    return _age_on(latest_birth, today)


def _number_word_runs(text: str) -> list[list[str]]:
    """Split ``text`` into runs of consecutive number words ("dix sept", "vingt-et-un")."""
    text = DIS_TEEN.sub(r"dix \1", text)
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[a-z]+", text):
        if word in NUMBER_WORDS:
            runs[-1].append(word)
        elif GLUED.fullmatch(word):
            runs[-1].extend(GLUED_PART.findall(word))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _words_value(words: list[str]) -> int | None:
    """Value of number words following French and English grammar, or None if malformed."""
    tokens = [w for w in words if w not in {"et", "and"}]
    value = 0
    if tokens[:1] == ["quatre"] and tokens[1:2] and TENS.get(tokens[1]) == 20:  # noqa: PLR2004
        value, tokens = 80, tokens[2:]
    elif tokens and tokens[0] in TENS:
        value, tokens = TENS[tokens[0]], tokens[1:]
    # After "soixante" and "quatre-vingt" French counts on with 10 to 19.
    rest = _below_twenty(tokens, allow_teens=value in {0, 60, 80})
    if rest is None:
        return None
    return value + rest


def _below_twenty(tokens: list[str], *, allow_teens: bool) -> int | None:
    match tokens:
        case []:
            return 0
        case [word] if word in UNITS:
            return UNITS[word]
        case [word] if word in TEENS and allow_teens:
            return TEENS[word]
        case ["dix", word] if allow_teens and UNITS.get(word, 0) >= 7:  # noqa: PLR2004
            return 10 + UNITS[word]
        case _:
            return None
