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
4. A commune named inside a sentence ("chez ma tante à commercy", "j'habite a dun sur meuse
   avec ma mère"): a commune of the preferred departments named anywhere in it is certain, as
   :func:`find_commune_in` reads it; a commune elsewhere in France named right after a place
   word ("à Nancy", "vers Reims") is only suggested, since "je suis à la rue" names Rue
   (Somme) without meaning it.
5. Otherwise, suggestions from a fuzzy comparison of names (typos such as "verdin" or
   "stenai"): most similar first (normalised Levenshtein similarity, so one wrong letter costs
   as much as one missing), then communes of the preferred departments, then the largest.
"""

import functools
import gzip
import math
import re
import sys
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise
from typing import Final, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

__all__ = [
    "Commune",
    "CommuneMatch",
    "commune_by_insee",
    "find_commune_in",
    "home_commune_in",
    "load_communes_in_background",
    "match_commune",
    "without_commune_name",
]

DATA_FILE: Final = "communes.tsv.gz"
DEFAULT_PREFERRED_DEPARTMENTS: Final = ("55",)
DEFAULT_LIMIT: Final = 5

# Normalised Levenshtein similarity (0-1) a name must reach to be suggested: one typo in five
# letters ("stenai" for Stenay scores 0.83), two in ten; "bonjour" against Boncourt stays out.
MIN_SIMILARITY: Final = 0.8
# A shortened name must still say something: "Bar" for Bar-le-Duc is as short as it gets.
MIN_PREFIX_LENGTH: Final = 3

ABBREVIATIONS: Final = {"st": "saint", "ste": "sainte", "s": "sur"}
ARTICLES: Final = frozenset({"le", "la", "les", "l"})
# The abbreviations as a pattern, to spell them out in many normalised names at once.
ABBREVIATION: Final = re.compile(rf"\b(?:{'|'.join(ABBREVIATIONS)})\b")
# What people write before the name: "j'habite à Verdun", "je suis de Bar-le-Duc", "sur Stenay".
LEAD_IN: Final = re.compile(
    r"^(?:(?:j habite|jhabite|j habites|je vis|je reste|je suis|jsuis|j suis|moi|c est)\s+)?"
    r"(?:(?:a|au|aux|en|sur|de|du|d|dans|vers|pres de|a cote de)\s+)?"
)
TAB: Final = re.compile("\t")
POSTAL_CODE: Final = re.compile(r"^[0-9]{5}$")
# A trailing department ("55", "2a", "971") or arrondissement number ("15", "3e", "1er").
TRAILING_NUMBER: Final = re.compile(r"^(?P<code>[0-9]{1,3}|2a|2b)(?:e|er|eme|ieme)?$")
DEPARTMENT_LEAD_IN: Final = frozenset({"en", "dans", "la", "le", "les", "l", "de", "du", "des"})
# Line breaks are kept so that the names of every commune can be normalised in one call.
NON_ALPHANUMERIC: Final = re.compile(r"[^a-z0-9\n]+")
BEFORE_ASCII: Final = {
    "œ": "oe",
    "æ": "ae",
    "’": " ",
    "‘": " ",
    "ʼ": " ",
    "´": " ",
    "–": " ",
    "—": " ",
    "«": " ",
}


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
        position: latitude and longitude (WGS 84) of the commune's centre, when the packaged
            list carries them (``scripts/build_communes.py --coordinates``), else None.
    """

    insee: str
    name: str
    department: str
    postal_codes: tuple[str, ...]
    population: int
    arrondissement: str | None
    position: tuple[float, float] | None = None


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


# The rows of the communes a key leads to: most keys lead to one commune, kept as its row number
# rather than a one-item tuple.
_Rows = int | tuple[int, ...]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Index:
    """Every commune as columns, row ``i`` of each being the ``i``-th commune by INSEE code.

    Columns of shared strings take a fraction of the memory of 35,000 :class:`Commune` objects
    and their own strings (11 MB live instead of 28 MB; the process grows by 15 MB instead of
    47 MB). A :class:`Commune` is made when a lookup returns it, and kept, so that one commune
    is always the same object.
    """

    insee: "_Column"
    name: "_Column"
    department: tuple[str, ...]
    arrondissement: tuple[str | None, ...]
    population: "array[int]"
    # A commune's one postal code, or a tuple when it has several.
    postal_codes: tuple[str | tuple[str, ...], ...]
    # Each commune's name key (_key), to find the longer names of a department by prefix.
    key: tuple[str, ...]
    # Latitude and longitude, NaN where unknown (and every row when the file has none).
    latitude: "array[float]"
    longitude: "array[float]"
    by_name: dict[str, _Rows]
    by_compact_name: dict[str, _Rows]
    by_former_name: dict[str, _Rows]
    by_postal_code: dict[str, _Rows]
    by_department: dict[str, tuple[int, ...]]
    names: tuple[str, ...]
    # Department names as words, longest first, with their code: ("meuse",) -> "55".
    department_names: tuple[tuple[tuple[str, ...], str], ...]
    made: dict[int, Commune] = field(default_factory=dict)

    def find(self, table: dict[str, _Rows], key: str) -> tuple[Commune, ...]:
        """The communes ``key`` leads to in ``table``, in INSEE order."""
        return tuple(self.commune(row) for row in _rows(table.get(key)))

    def commune(self, row: int) -> Commune:
        """The commune of ``row``, made on its first use."""
        commune = self.made.get(row)
        if commune is None:
            codes = self.postal_codes[row]
            made = Commune(
                insee=self.insee[row],
                name=self.name[row],
                department=self.department[row],
                postal_codes=(codes,) if isinstance(codes, str) else codes,
                population=self.population[row],
                arrondissement=self.arrondissement[row],
                position=_position(self.latitude[row], self.longitude[row]),
            )
            # Two threads may make it at once; both get the one kept first.
            commune = self.made.setdefault(row, made)
        return commune


@dataclass(frozen=True, slots=True)
class _Column:
    """Strings kept end to end in one, each sliced out when read.

    A str object takes 50 to 75 bytes before its first letter: 35,000 names or INSEE codes
    kept one string each take about 2 MB, and end to end a fifth of that.
    """

    text: str
    # Where each string ends in ``text``.
    ends: "array[int]"

    @classmethod
    def of(cls, line: str) -> "_Column":
        """The column of the tab-separated values of ``line``, read without splitting it."""
        ends = array("I", (tab.start() - i for i, tab in enumerate(TAB.finditer(line))))
        ends.append(len(line) - len(ends))
        return cls(line.replace("\t", ""), ends)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, row: int) -> str:
        return self.text[self.ends[row - 1] if row else 0 : self.ends[row]]


def _rows(rows: _Rows | None) -> tuple[int, ...]:
    if rows is None:
        return ()
    return (rows,) if isinstance(rows, int) else rows


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
    sharing = index.find(index.by_postal_code, query.postal_code or "")
    if sharing:
        return _match_with_postal_code(index, query, sharing, preferred, limit)
    if not query.names:
        return CommuneMatch(None)
    return _match_name(index, query, preferred, limit)


def commune_by_insee(code: str) -> Commune | None:
    """Return the commune with this INSEE code, as stored with a lead, or None if unknown."""
    index = _index()
    row = _row_of(index.insee, code.strip().upper())
    return None if row is None else index.commune(row)


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
        if not local and len(query.names[0]) > 1:
            in_sentence = _match_in_sentence(index, query.names[0], preferred, limit)
            if in_sentence is not None:
                return in_sentence
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
        found = index.find(index.by_name, _name_key(words)) or index.find(
            index.by_compact_name, "".join(words)
        )
        if found:
            return found
    for words in query.names:
        found = index.find(index.by_former_name, _name_key(words))
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
        index.commune(row)
        for department in sorted(departments)
        for row in index.by_department.get(department, ())
        if any(index.key[row].startswith(prefix) for prefix in prefixes)
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
        for commune in index.find(index.by_name, key)
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
    return " ".join(_to_ascii(text).split())


def _to_ascii(text: str) -> str:
    """``text`` as lower-case ASCII letters and digits, anything else (but line breaks) a space."""
    # Ligatures and typographic marks have no ASCII decomposition: map them before dropping
    # what is left, so that "L’Isle" still splits into two words.
    text = text.casefold()
    for mark, replacement in BEFORE_ASCII.items():
        text = text.replace(mark, replacement)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return NON_ALPHANUMERIC.sub(" ", ascii_text)


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

    Building takes 0.2 to 0.3 s of CPU. A commune answer that arrives before it is done
    waits for it (:func:`_index`), so an early answer is slower, never wrong.
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
    """Load the packaged list once per process (0.2 to 0.3 s of CPU, 35,000 communes).

    The file holds one line per field, the values of every commune in a row (see
    ``scripts/build_communes.py``), so each column is read whole: no 35,000 small lists made and
    dropped, as parsing a JSON list of communes did (they left about 20 MB of scattered heap
    behind). Values that repeat are shared, and all names are normalised in one pass.
    """
    raw = resources.files("outreach_bot.domain.fields").joinpath(DATA_FILE).read_bytes()
    lines = dict(line.partition(b"\t")[::2] for line in gzip.decompress(raw).split(b"\n") if line)
    # In INSEE order, as written by the script, which the lookups by code rely on.
    insee = _Column.of(lines[b"insee"].decode())
    names = lines[b"name"].decode()
    department = _repeated(lines[b"department"], bytes.decode)
    arrondissement = _repeated(lines[b"arrondissement"], lambda code: code.decode() or None)
    postal_codes = _repeated(lines[b"postal_codes"], _postal_codes)
    former_names = lines[b"former_name"].decode()
    keys, compact_keys = _keys_per_name(f"{names}\t{former_names}" if former_names else names)
    by_former_name = _table(
        (key, _former_row(insee, code))
        for key, code in zip(keys[len(insee) :], _strings(lines[b"former_insee"]), strict=True)
    )
    del keys[len(insee) :], compact_keys[len(insee) :]
    # One int object per row, shared by every table.
    rows = list(range(len(insee)))
    by_department: defaultdict[str, list[int]] = defaultdict(list)
    for row, code in zip(rows, department, strict=True):
        by_department[code].append(row)
    index = _Index(
        insee=insee,
        name=_Column.of(names),
        department=department,
        arrondissement=arrondissement,
        population=array("I", map(int, lines[b"population"].split(b"\t"))),
        postal_codes=postal_codes,
        key=tuple(keys),
        latitude=_coordinates(lines.get(b"latitude"), len(insee)),
        longitude=_coordinates(lines.get(b"longitude"), len(insee)),
        by_name=(by_name := _table(zip(keys, rows, strict=True))),
        by_compact_name=_table(zip(compact_keys, rows, strict=True)),
        by_former_name=by_former_name,
        by_postal_code=_table(
            (code, row)
            for row, codes in zip(rows, postal_codes, strict=True)
            for code in ((codes,) if isinstance(codes, str) else codes)
        ),
        by_department={code: tuple(rows_in) for code, rows_in in by_department.items()},
        names=tuple(by_name),
        department_names=tuple(
            sorted(
                (
                    (_words(name), code)
                    for code, name in zip(
                        _strings(lines[b"department_code"]),
                        _strings(lines[b"department_name"]),
                        strict=True,
                    )
                ),
                key=lambda pair: -len(pair[0]),
            )
        ),
    )
    columns = (
        index.name,
        department,
        arrondissement,
        index.population,
        postal_codes,
        index.latitude,
        index.longitude,
    )
    if any(len(column) != len(insee) for column in columns):
        raise ValueError(f"{DATA_FILE}: the columns of communes differ in length")
    return index


def _coordinates(line: bytes | None, rows: int) -> "array[float]":
    """A latitude or longitude column; empty values (and a missing column) are NaN."""
    if not line:
        return array("d", [math.nan]) * rows
    return array("d", (float(value) if value else math.nan for value in line.split(b"\t")))


def _position(latitude: float, longitude: float) -> tuple[float, float] | None:
    if math.isnan(latitude) or math.isnan(longitude):
        return None
    return latitude, longitude


def _strings(line: bytes) -> list[str]:
    """The values of a column, the rest of its line after the field name."""
    return line.decode("utf-8").split("\t") if line else []


def _repeated(line: bytes, read: Callable[[bytes], _T]) -> tuple[_T, ...]:
    """A column whose values repeat, with one object for each distinct value.

    The values are split as bytes and all dropped; only the few objects read from them stay.
    (Splitting into strings and keeping one of each value leaves those few scattered among
    35,000 freed ones, which keeps most of that memory from being given back.)
    """
    values = line.split(b"\t")
    read_once = {value: read(value) for value in dict.fromkeys(values)}
    return tuple(map(read_once.__getitem__, values))


def _postal_codes(value: bytes) -> str | tuple[str, ...]:
    """A commune's postal code, or its codes when it has several (or none)."""
    codes = tuple(map(sys.intern, value.decode().split()))
    return codes[0] if len(codes) == 1 else codes


def _keys_per_name(names: str) -> tuple[list[str], list[str]]:
    """The key (:func:`_key`) and the compact key (words run together) of each name.

    The names, separated by tabs, are normalised and their abbreviations spelt out in one pass
    over the text of them all, several times quicker than name by name. A name of one word
    ("verdun") is its own key and compact key: one string, not two.
    """
    text = (
        _to_ascii(names.replace("\t", "\n")).replace(" \n", "\n").replace("\n ", "\n").strip(" ")
    )
    text = ABBREVIATION.sub(lambda word: ABBREVIATIONS[word[0]], text)
    keys: list[str] = []
    compact_keys: list[str] = []
    for words in text.split("\n"):
        # _name_key: a leading article is dropped when other words follow.
        first, space, rest = words.partition(" ")
        keys.append(rest if space and first in ARTICLES else words)
        compact_keys.append(words.replace(" ", ""))
    return keys, compact_keys


def _table(pairs: Iterable[tuple[str, int]]) -> dict[str, _Rows]:
    """Each key with its row, or the tuple of its rows (in order, once each) when several."""
    table: dict[str, _Rows] = {}
    for key, row in pairs:
        found = table.setdefault(key, row)
        if found != row:
            if isinstance(found, int):
                table[key] = (found, row)
            elif row not in found:
                table[key] = (*found, row)
    return table


def _former_row(insee: _Column, code: str) -> int:
    row = _row_of(insee, code)
    if row is None:
        raise ValueError(f"{DATA_FILE}: a former name points to no current commune ({code})")
    return row


def _row_of(insee: _Column, code: str) -> int | None:
    """The row of the commune ``code`` among the sorted INSEE codes, if any."""
    row = bisect_left(insee, code)
    return row if row < len(insee) and insee[row] == code else None


# Longest commune name looked for inside a sentence, in words ("Saint-Mihiel" is 2 words,
# "Dun-sur-Meuse" 3, "Bazeilles-sur-Othain" 3).
MAX_NAME_WORDS: Final = 6
# Meuse villages whose name is also an everyday word ("j'en ai marre", "sans cesse").
EVERYDAY_WORDS: Final = frozenset({"marre", "cesse", "very"})
# Words after which a sentence names a place: "chez ma tante à Nancy", "je vis vers Reims".
PLACE_WORDS: Final = frozenset({"a", "au", "aux", "sur", "vers", "dans", "pres", "cote", "in"})


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
    words = tuple(ABBREVIATIONS.get(t, t) for t in _normalise(text).split())
    found = _named_in_sentence(words, frozenset(departments))
    return found[0] if found else None


def without_commune_name(
    text: str, *, departments: Sequence[str] = DEFAULT_PREFERRED_DEPARTMENTS
) -> str | None:
    """``text`` without the commune :func:`find_commune_in` reads in it, or None if it names none.

    A village's name says nothing of what a message asks, yet a classifier that never saw it
    reads its letters as noise: "jsuis a varennes en argonne jcherche du boulo" scored crisis
    0.40, "jsuis a beney en woëvre jcherche du boulo" 0.96 (issue 18). The crisis decision
    reads the message without it (:mod:`outreach_bot.core.conversation.crisis`). The rest of
    the message is kept as written, accents and all.
    """
    spans = list(_word_spans(text))
    words = tuple(ABBREVIATIONS.get(word, word) for word, _, _ in spans)
    found = _named_in_sentence(words, frozenset(departments))
    if found is None:
        return None
    _, first, last = found
    before, after = text[: spans[first][1]].rstrip(), text[spans[last][2] :].lstrip()
    return f"{before} {after}".strip() if before and after else before or after


#: The words, right before a commune's name, by which the writer says they live there, in the
#: present and first person: "j'habite (à) Stenay", "je vis à Verdun", "jsuis de Verdun".
#: Written without the words between: "je n'habite plus à", "j'habitais à", "ma sœur habite
#: à", "j'habite vers / près de / à côté de" never match, nor "je suis à" (where they are now).
HOME_LEAD_INS: Final = tuple(
    tuple(lead_in.split())
    for lead_in in (
        "j habite a",
        "j habite",
        "je habite a",
        "jhabite a",
        "jhabite",
        "je vis a",
        "j vis a",
        "jvis a",
        "je suis de",
        "je suis d",
        "j suis de",
        "j suis d",
        "jsuis de",
        "jsuis d",
        "chui de",
        "chui d",
    )
)


def home_commune_in(
    text: str, *, departments: Sequence[str] = DEFAULT_PREFERRED_DEPARTMENTS
) -> Commune | None:
    """The commune of ``departments`` a sentence says the writer lives in, if it says so plainly.

    Only a name written right after one of :data:`HOME_LEAD_INS` counts ("jhabite a stenay jcherche
    un taf"), never a postal code (which several communes share) nor a town merely named ("une
    permanence à Stenay ?", "je bosse à Verdun", "de passage à Verdun"). Where a sentence gives
    two, the first said wins.
    """
    words = tuple(ABBREVIATIONS.get(t, t) for t in _normalise(text).split())
    wanted = frozenset(departments)
    for at in range(len(words)):
        for lead_in in HOME_LEAD_INS:
            if words[at : at + len(lead_in)] == lead_in:
                found = _name_starting(words[at + len(lead_in) :], wanted)
                if found is not None:
                    return found
    return None


def _name_starting(words: Sequence[str], wanted: frozenset[str]) -> Commune | None:
    """The longest commune name of ``wanted`` that ``words`` start with."""
    if not words or POSTAL_CODE.match(words[0]):
        return None
    if words[0] in SHORT_NAMES:
        short = commune_by_insee(SHORT_NAMES[words[0]])
        if short is not None and short.department in wanted:
            return short
    index = _index()
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        found = _named_exactly(index, words[:size], wanted)
        if found is not None:
            return found
    return None


def _named_exactly(index: _Index, window: Sequence[str], wanted: frozenset[str]) -> Commune | None:
    """The largest commune of ``wanted`` whose name is exactly ``window``; a single word too
    shorter than three letters, or an everyday word that is also a town ("marre"), is none."""
    if len(window) == 1 and (len(window[0]) < MIN_PREFIX_LENGTH or window[0] in EVERYDAY_WORDS):
        return None
    found = [
        index.commune(row)
        for row in _rows(index.by_name.get(_name_key(window)))
        if index.department[row] in wanted
    ]
    return _largest_first(found, wanted)[0] if found else None


def _word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """The words :func:`_normalise` makes of ``text``, each with where it is written.

    Character by character, so that "Woëvre" is the word "woevre" at its own place.
    """
    word, start = "", 0
    for at, char in enumerate(text):
        ascii_char = _to_ascii(char)
        if ascii_char.isalnum():
            if not word:
                start = at
            word += ascii_char
        elif ascii_char and word:  # a space or a mark (a bare accent adds nothing)
            yield word, start, at
            word = ""
    if word:
        yield word, start, len(text)


def _named_in_sentence(
    words: Sequence[str], wanted: frozenset[str]
) -> tuple[Commune, int, int] | None:
    """The commune named among ``words``, with its first and last word (see find_commune_in)."""
    index = _index()
    for at, token in enumerate(words):
        if POSTAL_CODE.match(token):
            local = [
                index.commune(row)
                for row in _rows(index.by_postal_code.get(token))
                if index.department[row] in wanted
            ]
            if local:
                return _largest_first(local, wanted)[0], at, at
    return _local_in_sentence(index, words, wanted) or _short_name_in_sentence(words, wanted)


#: What people nearby call a commune in short, by its INSEE code: "Dun" is Dun-sur-Meuse.
#: Read only right after a place word ("vers dun", "à Dun"), since "dun" is also "d'un" typed
#: without its apostrophe ("g besoin dun apart").
SHORT_NAMES: Final = {"dun": "55167"}
SHORT_NAME_LEAD_IN: Final = frozenset({"a", "vers", "sur", "pres", "cote", "habite", "jhabite"})


def _short_name_in_sentence(
    words: Sequence[str], wanted: frozenset[str]
) -> tuple[Commune, int, int] | None:
    for at, (before, word) in enumerate(pairwise(words), start=1):
        insee = SHORT_NAMES.get(word)
        if insee is not None and before in SHORT_NAME_LEAD_IN:
            commune = commune_by_insee(insee)
            if commune is not None and commune.department in wanted:
                return commune, at, at
    return None


def _local_in_sentence(
    index: _Index, words: Sequence[str], wanted: frozenset[str]
) -> tuple[Commune, int, int] | None:
    """The longest, then first, exact name of a commune of ``wanted`` among ``words``."""
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            found = _named_exactly(index, words[start : start + size], wanted)
            if found is not None:
                return found, start, start + size - 1
    return None


def _match_in_sentence(
    index: _Index, words: Sequence[str], preferred: frozenset[str], limit: int
) -> CommuneMatch | None:
    """A commune named inside an answer that is a sentence (step 4 of the module docstring).

    A local name anywhere is certain; elsewhere in France, the longest name right after a place
    word is offered, with its homonyms, never taken for granted.
    """
    local = _local_in_sentence(index, words, preferred)
    if local is not None:
        return CommuneMatch(local[0])
    for start, word in enumerate(words[:-1]):
        if word not in PLACE_WORDS:
            continue
        rest = words[start + 1 : start + 1 + MAX_NAME_WORDS]
        for size in range(len(rest), 0, -1):
            window = rest[:size]
            key = _name_key(window)
            if len(key) < MIN_PREFIX_LENGTH or (size == 1 and window[0] in ARTICLES):
                continue
            found = index.find(index.by_name, key) or index.find(
                index.by_compact_name, "".join(window)
            )
            if found:
                return CommuneMatch(None, _largest_first(found, preferred)[:limit])
    return None
