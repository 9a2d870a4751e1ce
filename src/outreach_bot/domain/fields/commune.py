"""Communes typed by a young person, checked against INSEE's official list.

The commune decides which sector's counsellors see a lead, so a name is accepted as certain only
when it designates one commune without doubt; otherwise the dialogue gets suggestions to offer
("tu veux dire… ?"). The list is the packaged extract of Etalab's npm package
``@etalab/decoupage-administratif`` (see ``COMMUNES_SOURCE.md`` and ``scripts/build_communes.py``),
read once per process: on first use, or ahead of it by :func:`load_communes_in_background`.

Matching, in order:

1. A five-digit postal code: the commune if the code has only one, otherwise the communes sharing
   it as suggestions (largest first), or the one named next to the code ("55100 Belleray").
2. The name, compared after normalisation (case, accents, hyphens, spaces, apostrophes,
   "St"/"Saint", "Ste"/"Sainte", "s/" for "sur", a leading article, and lead-ins such as
   "j'habite à"). Homonyms are settled by a department written after the name, as a code or a
   name ("Saint-Martin 54", "Saint-Martin (54)", "Verdun (Meuse)"), else by
   ``preferred_departments``; the other homonyms are suggestions. Former names of merged
   communes lead to the commune they now belong to.
3. People shorten local names ("Thierville" for Thierville-sur-Meuse, "Bar" for Bar-le-Duc).
   When a commune of the written department, or else of a preferred one, starts with the name
   given, a match elsewhere is no longer certain: the local communes come first among the
   suggestions.
4. Otherwise, suggestions from a fuzzy comparison of names (typos such as "verdin" or
   "stenai"): most similar first (normalised Levenshtein similarity, so one wrong letter costs
   as much as one missing), then communes of the preferred departments, then the largest.
"""

import functools
import gzip
import json
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

__all__ = [
    "Commune",
    "CommuneMatch",
    "commune_by_insee",
    "find_commune_in",
    "load_communes_in_background",
    "match_commune",
]

DATA_FILE: Final = "communes.json.gz"
DEFAULT_PREFERRED_DEPARTMENTS: Final = ("55",)
DEFAULT_LIMIT: Final = 5

# Normalised Levenshtein similarity (0-1) a name must reach to be suggested: one typo in five
# letters ("stenai" for Stenay scores 0.83), two in ten; "bonjour" against Boncourt stays out.
MIN_SIMILARITY: Final = 0.8
# A shortened name must still say something: "Bar" for Bar-le-Duc is as short as it gets.
MIN_PREFIX_LENGTH: Final = 3

ABBREVIATIONS: Final = {"st": "saint", "ste": "sainte", "s": "sur"}
ARTICLES: Final = frozenset({"le", "la", "les", "l"})
# What people write before the name: "j'habite à Verdun", "je suis de Bar-le-Duc", "sur Stenay".
LEAD_IN: Final = re.compile(
    r"^(?:(?:j habite|jhabite|j habites|je vis|je reste|je suis|jsuis|j suis|moi|c est)\s+)?"
    r"(?:(?:a|au|aux|en|sur|de|du|d|dans|vers|pres de|a cote de)\s+)?"
)
POSTAL_CODE: Final = re.compile(r"^[0-9]{5}$")
# A trailing department ("55", "2a", "971") or arrondissement number ("15", "3e", "1er").
TRAILING_NUMBER: Final = re.compile(r"^(?P<code>[0-9]{1,3}|2a|2b)(?:e|er|eme|ieme)?$")
DEPARTMENT_LEAD_IN: Final = frozenset({"en", "dans", "la", "le", "les", "l", "de", "du", "des"})
NON_ALPHANUMERIC: Final = re.compile(r"[^a-z0-9]+")
BEFORE_ASCII: Final = str.maketrans(
    {"œ": "oe", "æ": "ae", "’": " ", "‘": " ", "ʼ": " ", "´": " ", "–": " ", "—": " ", "«": " "}
)


@dataclass(frozen=True, slots=True)
class Commune:
    """A current French commune as INSEE lists it.

    Attributes:
        insee: the INSEE code ("55545"): the key to store with a lead, since names repeat.
        name: the official name ("Verdun"), to show back to the young person.
        department: the department code ("55", "2A", "971").
        postal_codes: La Poste codes serving the commune; several communes may share one.
        population: the legal population, used to rank suggestions.
        arrondissement: the departmental arrondissement code ("553"), if any, since sectors
            may be drawn along arrondissements.
    """

    insee: str
    name: str
    department: str
    postal_codes: tuple[str, ...]
    population: int
    arrondissement: str | None


@dataclass(frozen=True, slots=True)
class CommuneMatch:
    """The result of reading a commune: a certain commune, suggestions, both or neither.

    Attributes:
        commune: the commune the text designates without doubt, or None.
        suggestions: other candidates to offer, best first; alongside a certain commune they are
            its homonyms elsewhere, otherwise what the young person may have meant.
    """

    commune: Commune | None
    suggestions: tuple[Commune, ...] = ()


@dataclass(frozen=True, slots=True)
class _Index:
    by_insee: dict[str, Commune]
    by_name: dict[str, tuple[Commune, ...]]
    by_compact_name: dict[str, tuple[Commune, ...]]
    by_former_name: dict[str, tuple[Commune, ...]]
    by_postal_code: dict[str, tuple[Commune, ...]]
    by_department: dict[str, tuple[tuple[str, Commune], ...]]
    names: tuple[str, ...]
    # Department names as words, longest first, with their code: ("meuse",) -> "55".
    department_names: tuple[tuple[tuple[str, ...], str], ...]


@dataclass(frozen=True, slots=True)
class _Query:
    """The parts of an answer: name variants (as typed, without lead-in), codes written."""

    names: tuple[tuple[str, ...], ...]
    postal_code: str | None
    department: str | None


def match_commune(
    text: str,
    *,
    preferred_departments: Sequence[str] = DEFAULT_PREFERRED_DEPARTMENTS,
    limit: int = DEFAULT_LIMIT,
) -> CommuneMatch:
    """Read a commune from a free answer (a name, a postal code, or both).

    Args:
        text: the message as received.
        preferred_departments: departments whose commune wins among homonyms and comes first
            among equally good suggestions; the Mission Locale's own by default (Meuse).
        limit: the most suggestions to return.

    Returns:
        The commune when the text designates one without doubt, and suggestions otherwise (or
        its homonyms elsewhere); an empty match when nothing comes close.
    """
    index = _index()
    query = _parse(index, text)
    preferred = frozenset(preferred_departments)
    sharing = index.by_postal_code.get(query.postal_code or "")
    if sharing:
        return _match_with_postal_code(index, query, sharing, preferred, limit)
    if not query.names:
        return CommuneMatch(None)
    return _match_name(index, query, preferred, limit)


def commune_by_insee(code: str) -> Commune | None:
    """Return the commune with this INSEE code, as stored with a lead, or None if unknown."""
    return _index().by_insee.get(code.strip().upper())


def _parse(index: _Index, text: str) -> _Query:
    tokens = _normalise(text).split()
    postal_code = next((t for t in tokens if POSTAL_CODE.match(t)), None)
    words = tuple(ABBREVIATIONS.get(t, t) for t in tokens if t != postal_code)
    department = None
    if len(words) > 1 and (trailing := TRAILING_NUMBER.match(words[-1])):
        department = trailing["code"].upper()
        words = words[:-1]
    variants = [words]
    for department_words, code in index.department_names:
        size = len(department_words)
        if department is None and len(words) > size and words[-size:] == department_words:
            # "Verdun Meuse", "Verdun (Meuse)", "Verdun dans la Meuse"; the full words stay a
            # variant because the department may be part of the name ("Bras-sur-Meuse").
            department = code
            rest = list(words[:-size])
            while len(rest) > 1 and rest[-1] in DEPARTMENT_LEAD_IN:
                rest.pop()
            variants.append(tuple(rest))
            break
    for variant in list(variants):
        variants.append(tuple(LEAD_IN.sub("", " ".join(variant)).split()))
    names = tuple(dict.fromkeys(n for n in variants if n))
    return _Query(names=names, postal_code=postal_code, department=department)


def _match_name(
    index: _Index, query: _Query, preferred: frozenset[str], limit: int
) -> CommuneMatch:
    exact = _exact(index, query)
    local = _local_longer_names(index, query, preferred)
    if not exact:
        return CommuneMatch(None, _unique([*local, *_fuzzy(index, query, preferred)], limit))
    chosen = _choose(exact, department=query.department, preferred=preferred, limit=limit)
    if chosen.commune is not None and (
        not local
        or chosen.commune.department == query.department
        or (query.department is None and chosen.commune.department in preferred)
    ):
        return chosen
    candidates = [*local, *([chosen.commune] if chosen.commune else []), *chosen.suggestions]
    return CommuneMatch(None, _unique(candidates, limit))


def _match_with_postal_code(
    index: _Index,
    query: _Query,
    sharing: tuple[Commune, ...],
    preferred: frozenset[str],
    limit: int,
) -> CommuneMatch:
    """Read a postal code, and the name next to it if any, among the communes ``sharing`` it."""
    if not query.names:
        if len(sharing) == 1:
            return CommuneMatch(sharing[0])
        return CommuneMatch(None, _largest_first(sharing, preferred)[:limit])
    named = [c for c in _exact(index, query) if c in sharing]
    if len(named) == 1:
        return CommuneMatch(named[0])
    close = _fuzzy(index, query, preferred, within=sharing)
    if close:
        return CommuneMatch(None, close[:limit])
    # The name does not fit the code: offer what the name alone gives, then the code's communes.
    by_name = _match_name(index, query, preferred, limit)
    candidates = [
        *([by_name.commune] if by_name.commune else []),
        *by_name.suggestions,
        *_largest_first(sharing, preferred),
    ]
    return CommuneMatch(None, _unique(candidates, limit))


def _choose(
    communes: Sequence[Commune],
    *,
    department: str | None,
    preferred: frozenset[str],
    limit: int,
) -> CommuneMatch:
    """Settle homonyms: the written department first, then the preferred ones."""
    if department is not None:
        in_department = [c for c in communes if c.department == department]
        # A number that matches none of them was not a department ("Paris 15" for the 15th).
        if in_department:
            communes = in_department
    if len(communes) == 1:
        return CommuneMatch(communes[0])
    ranked = _largest_first(communes, preferred)
    in_preferred = [c for c in ranked if c.department in preferred]
    if len(in_preferred) == 1:
        chosen = in_preferred[0]
        return CommuneMatch(chosen, tuple(c for c in ranked if c != chosen)[:limit])
    return CommuneMatch(None, ranked[:limit])


def _exact(index: _Index, query: _Query) -> tuple[Commune, ...]:
    """Communes whose current name, then former name, equals one of the query's names."""
    for words in query.names:
        found = index.by_name.get(_name_key(words)) or index.by_compact_name.get("".join(words))
        if found:
            return found
    for words in query.names:
        found = index.by_former_name.get(_name_key(words))
        if found:
            return found
    return ()


def _local_longer_names(
    index: _Index, query: _Query, preferred: frozenset[str]
) -> tuple[Commune, ...]:
    """Communes of the written or preferred departments whose name starts with the name given."""
    keys = (_name_key(words) for words in query.names)
    prefixes = [key + " " for key in keys if len(key) >= MIN_PREFIX_LENGTH]
    departments = preferred if query.department is None else {query.department}
    found = [
        commune
        for department in sorted(departments)
        for key, commune in index.by_department.get(department, ())
        if any(key.startswith(prefix) for prefix in prefixes)
    ]
    return tuple(sorted(found, key=lambda c: -c.population))


def _fuzzy(
    index: _Index,
    query: _Query,
    preferred: frozenset[str],
    *,
    within: tuple[Commune, ...] | None = None,
) -> tuple[Commune, ...]:
    """Communes whose name is close to the query's, optionally only among ``within``."""
    names = index.names if within is None else tuple(dict.fromkeys(_key(c.name) for c in within))
    scores: dict[str, float] = {}
    for words in query.names:
        for key, score, _ in process.extract(
            _name_key(words),
            names,
            scorer=Levenshtein.normalized_similarity,
            score_cutoff=MIN_SIMILARITY,
            limit=DEFAULT_LIMIT * 2,
        ):
            scores[key] = max(score, scores.get(key, 0.0))
    scored = [
        (round(score, 3), commune)
        for key, score in scores.items()
        for commune in index.by_name[key]
        if within is None or commune in within
    ]
    scored.sort(
        key=lambda pair: (-pair[0], pair[1].department not in preferred, -pair[1].population)
    )
    return tuple(commune for _, commune in scored)


def _unique(communes: Iterable[Commune], limit: int) -> tuple[Commune, ...]:
    return tuple(dict.fromkeys(communes))[:limit]


def _largest_first(communes: Iterable[Commune], preferred: frozenset[str]) -> tuple[Commune, ...]:
    return tuple(sorted(communes, key=lambda c: (c.department not in preferred, -c.population)))


def _normalise(text: str) -> str:
    """Lower-case ASCII words: accents, punctuation, hyphens and apostrophes become spaces."""
    # Ligatures and typographic marks have no ASCII decomposition: map them before dropping
    # what is left, so that "L’Isle" still splits into two words.
    text = text.casefold().translate(BEFORE_ASCII)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(NON_ALPHANUMERIC.sub(" ", ascii_text).split())


def _name_key(words: Sequence[str]) -> str:
    """Comparison key of a name: leading article dropped ("Le Havre" is found as "Havre")."""
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def _words(name: str) -> tuple[str, ...]:
    return tuple(ABBREVIATIONS.get(t, t) for t in _normalise(name).split())


def _key(name: str) -> str:
    return _name_key(_words(name))


# Held while the index is built, so that a caller arriving meanwhile waits for that build
# instead of starting a second one.
_INDEX_LOCK: Final = threading.Lock()


def load_communes_in_background() -> threading.Thread:
    """Start building the commune index in a thread, so that start-up need not wait for it.

    Building takes 0.6 to 1 s. A commune answer that arrives before it is done waits for it
    (:func:`_index`), so an early answer is slower, never wrong.
    """
    thread = threading.Thread(target=_index, name="commune-index", daemon=True)
    thread.start()
    return thread


def _index() -> _Index:
    """The index of every commune, built on the first call; later calls wait for that build."""
    with _INDEX_LOCK:
        return _build_index()


@functools.cache
def _build_index() -> _Index:
    """Load the packaged list once per process (a few tenths of a second, 35,000 communes)."""
    raw = resources.files("outreach_bot.domain.fields").joinpath(DATA_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    by_insee: dict[str, Commune] = {}
    by_name: defaultdict[str, list[Commune]] = defaultdict(list)
    by_compact_name: defaultdict[str, list[Commune]] = defaultdict(list)
    by_postal_code: defaultdict[str, list[Commune]] = defaultdict(list)
    by_department: defaultdict[str, list[tuple[str, Commune]]] = defaultdict(list)
    for insee, name, department, arrondissement, population, postal_codes in data["communes"]:
        commune = Commune(
            insee=insee,
            name=name,
            department=department,
            postal_codes=tuple(postal_codes),
            population=population,
            arrondissement=arrondissement,
        )
        words = _words(name)
        key = _name_key(words)
        by_insee[insee] = commune
        by_name[key].append(commune)
        by_compact_name["".join(words)].append(commune)
        by_department[department].append((key, commune))
        for postal_code in postal_codes:
            by_postal_code[postal_code].append(commune)
    by_former_name: defaultdict[str, list[Commune]] = defaultdict(list)
    for name, insee in data["former"]:
        by_former_name[_key(name)].append(by_insee[insee])
    return _Index(
        by_insee=by_insee,
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_compact_name={k: tuple(v) for k, v in by_compact_name.items()},
        by_former_name={k: tuple(dict.fromkeys(v)) for k, v in by_former_name.items()},
        by_postal_code={k: tuple(v) for k, v in by_postal_code.items()},
        by_department={k: tuple(v) for k, v in by_department.items()},
        names=tuple(by_name),
        department_names=tuple(
            sorted(
                ((_words(name), code) for code, name in data["departments"]),
                key=lambda pair: -len(pair[0]),
            )
        ),
    )


# Longest commune name looked for inside a sentence, in words ("Saint-Mihiel" is 2 words,
# "Dun-sur-Meuse" 3, "Bazeilles-sur-Othain" 3).
MAX_NAME_WORDS: Final = 6
# Meuse villages whose name is also an everyday word ("j'en ai marre", "sans cesse").
EVERYDAY_WORDS: Final = frozenset({"marre", "cesse", "very"})


def find_commune_in(
    text: str, *, departments: Sequence[str] = DEFAULT_PREFERRED_DEPARTMENTS
) -> Commune | None:
    """The commune named somewhere in a sentence ("il y a une permanence à Stenay ?").

    Unlike :func:`match_commune`, which reads an answer that *is* a commune, this looks for an
    exact name (or a five-digit postal code) inside free text. Only communes of ``departments``
    count, and single words need three letters: a question is full of short words that are
    also the names of villages elsewhere in France. The longest name wins ("Dun-sur-Meuse"
    over "Meuse"), then the first one written.
    """
    index = _index()
    wanted = frozenset(departments)
    words = tuple(ABBREVIATIONS.get(t, t) for t in _normalise(text).split())
    for token in words:
        if POSTAL_CODE.match(token):
            local = [c for c in index.by_postal_code.get(token, ()) if c.department in wanted]
            if local:
                return _largest_first(local, wanted)[0]
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            window = words[start : start + size]
            if size == 1 and (len(window[0]) < MIN_PREFIX_LENGTH or window[0] in EVERYDAY_WORDS):
                continue
            found = [c for c in index.by_name.get(_name_key(window), ()) if c.department in wanted]
            if found:
                return _largest_first(found, wanted)[0]
    return None
