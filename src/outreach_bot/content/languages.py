"""Texts per language: one folder per language under ``bot/languages/``, each text owned.

A team adds a language by adding a folder (``bot/languages/ti/``) with a ``language.yml`` and
the texts it has; no code names a language. Each text records who wrote it and whether someone
who reads the language has checked it (draft or reviewed, by whom, when), so a counsellor knows
what a young person was shown and a reviewer knows what is left to check.

Lookup follows BCP 47 (RFC 4647 "lookup"): a text missing in ``fr-x-falc`` comes from ``fr``,
and French, the language the facts are checked in, is the last resort of every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from outreach_bot.yaml_files import safe_load

REFERENCE: Final = "fr"
"""The language every fact is checked in, the one every other falls back to."""

TEXT_FILES: Final = ("answers", "crisis", "privacy", "messages")
"""The files a language folder may hold, each the texts of the ``bot/`` file of that name."""

LANGUAGE_FILE: Final = "language.yml"
CRISIS_WORDS_FILE: Final = "crisis_words.yml"
"""The words that mean danger in a language the classifier does not read (see
:class:`CrisisWords`)."""


class ContentError(Exception):
    """``bot/`` is missing something or is malformed; the message says which file and what."""


class Strict(BaseModel):
    """A content model: unknown keys are typos, and what was loaded does not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def wider(code: str) -> tuple[str, ...]:
    """``code`` and the wider languages it belongs to (``fr-x-falc``, ``fr``), French only for
    a French variant.

    >>> wider("fr-x-falc")
    ('fr-x-falc', 'fr')
    >>> wider("ar")
    ('ar',)
    """
    chain = [code]
    parts = code.split("-")
    while len(parts) > 1:
        parts.pop()
        if len(parts[-1]) == 1:  # a singleton such as "x" never stands alone (RFC 4647 3.4)
            parts.pop()
        if parts:
            chain.append("-".join(parts))
    return tuple(chain)


def lookup_chain(code: str) -> tuple[str, ...]:
    """The languages to try for ``code``, most specific first, French last.

    >>> lookup_chain("fr-x-falc")
    ('fr-x-falc', 'fr')
    >>> lookup_chain("prs")
    ('prs', 'fr')
    """
    chain = list(wider(code))
    if REFERENCE not in chain:
        chain.append(REFERENCE)
    return tuple(chain)


MAX_ACCEPT_LANGUAGE: Final = 50
"""Language ranges read from an ``Accept-Language`` header; a browser sends a handful."""
_QUALITY: Final = re.compile(r"^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$")


def preferred_language(accept_language: str, languages: Mapping[str, Language]) -> str | None:
    """The language of ``languages`` a browser asks for first, or None (the page is French).

    ``accept_language`` is the ``Accept-Language`` header (RFC 9110 12.5.4): language ranges
    by decreasing weight. Each range is matched by RFC 4647 lookup, dropping subtags from the
    end ("ar-MA" is Arabic, "en-GB" English), against a language's code or the code the
    language identifier knows it by: a phone set to Persian ("fa-AF", "fa") gets Dari, which
    its reader reads. A range with weight 0, ``*`` or a language we do not have is skipped;
    a malformed one too, rather than refusing the page.

    >>> from types import SimpleNamespace as L
    >>> langs = {"fr": L(code="fr", identifier=None), "prs": L(code="prs", identifier="fa")}
    >>> preferred_language("de-DE,fa-AF;q=0.8,fr;q=0.5", langs)
    'prs'
    >>> preferred_language("de, *;q=0.1", langs) is None
    True
    """
    known: dict[str, str] = {}
    for language in languages.values():
        known.setdefault(language.code.lower(), language.code)
        if language.identifier:
            known.setdefault(language.identifier.lower(), language.code)
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:MAX_ACCEPT_LANGUAGE]):
        tag, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = float(value.strip()) if _QUALITY.match(value.strip()) else 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag.lower()))
    for _, _, tag in sorted(ranked):
        for candidate in wider(tag):
            if candidate in known:
                return known[candidate]
    return None


class Localized(RootModel[dict[str, str]]):
    """One text in each language that has it (language code → text), French always."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _has_reference(self) -> Localized:
        if REFERENCE not in self.root:
            raise ValueError(f"no {REFERENCE} text")
        empty = [code for code, text in self.root.items() if not text]
        if empty:
            raise ValueError(f"empty text in {', '.join(empty)}")
        return self

    def get(self, locale: str) -> str:
        """The text in ``locale``, else in the closest language that has it (French last)."""
        for code in lookup_chain(locale):
            if code in self.root:
                return self.root[code]
        return self.root[REFERENCE]  # pragma: no cover - the chain ends with French

    def has(self, locale: str) -> bool:
        """Whether ``locale`` has this text of its own (not borrowed from another language)."""
        return locale in self.root

    def items(self) -> Iterator[tuple[str, str]]:
        """Each language and its text."""
        return iter(self.root.items())

    def values(self) -> list[str]:
        """The text in every language that has it."""
        return list(self.root.values())

    @property
    def fr(self) -> str:
        """The French text, the one the facts were checked in."""
        return self.root[REFERENCE]

    @property
    def en(self) -> str:
        """The English text (French when there is none)."""
        return self.get("en")


class ReviewState(StrEnum):
    """Whether someone who reads the language has checked a text."""

    DRAFT = "draft"
    REVIEWED = "reviewed"


class TextRecord(Strict):
    """One text in one language, with who wrote it and its review state."""

    text: str = Field(min_length=1)
    written_by: str = Field(min_length=2)
    state: ReviewState
    reviewed_by: str | None = None
    reviewed_on: date | None = None

    @model_validator(mode="after")
    def _review_is_signed(self) -> TextRecord:
        if self.state is ReviewState.REVIEWED and not (self.reviewed_by and self.reviewed_on):
            raise ValueError("a reviewed text names reviewed_by and reviewed_on")
        if self.state is ReviewState.DRAFT and (self.reviewed_by or self.reviewed_on):
            raise ValueError("a draft has no reviewed_by or reviewed_on: set state: reviewed")
        return self


class Language(Strict):
    """``language.yml``: what a language is called and how the bot treats it."""

    code: str = Field(pattern=r"^[a-z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
    name: str = Field(min_length=2)
    """As counsellors read it, in French ("arabe"): the queue, the lead page, the review page."""
    native_name: str = Field(min_length=2)
    """As the young person reads it ("العربية"): the language buttons."""
    direction: Literal["ltr", "rtl"] = "ltr"
    complete: bool = False
    """Every text is required (French, English); otherwise French says what it lacks."""
    scripts: list[str] = Field(default_factory=list)
    """Writing systems it is guessed from ("Arabic"); Latin-script languages are told apart by
    their words (French, English) or only picked (français facile)."""
    identifier: str | None = None
    """Its code for the offline identifier when that differs ("fa" for Dari), or None."""
    words: list[str] = Field(default_factory=list)
    """Typed alone, each opens the list of languages ("langue", "لغة")."""
    yes_words: list[str] = Field(default_factory=list)
    """Typed alone, each means yes, like the yes button ("نعم", "بلی")."""
    no_words: list[str] = Field(default_factory=list)
    """Typed alone, each means no, like the no button ("لا", "نه")."""
    offered_on: list[str] = Field(default_factory=list)
    """Each switches to this language at once ("plus simple", "je lis pas bien"), typed alone
    or with only words of ``offered_with`` around it."""
    offered_with: list[str] = Field(default_factory=list)
    """Words that may surround an ``offered_on`` phrase without making the message about
    something else: "c trop compliqué **tes messages**", "**tu peux parler** plus simple"."""
    latin_words: list[str] = Field(default_factory=list)
    """Words of the language as people type it in Latin letters on a French keyboard ("man kar
    mekhaham", Dari): a message in Latin letters made mostly of them is in this language. Leave
    out words French slang shares ("salam", "wallah") and French or English words ("man" is
    one, but only counts next to others)."""


class _TextFile(Strict):
    """A text file of a language folder: defaults for its texts, then the texts by key."""

    written_by: str = Field(min_length=2)
    state: ReviewState
    reviewed_by: str | None = None
    reviewed_on: date | None = None
    texts: dict[str, str | dict[str, Any]] = Field(default_factory=dict)

    def records(self) -> dict[str, TextRecord]:
        """Each text with the file's author and review state unless it names its own."""
        defaults = self.model_dump(exclude={"texts"})
        records: dict[str, TextRecord] = {}
        for key, value in self.texts.items():
            own = {"text": value} if isinstance(value, str) else value
            inherited = dict(defaults)
            if own.get("state") == ReviewState.DRAFT:  # the file's reviewer did not see it
                inherited |= {"reviewed_by": None, "reviewed_on": None}
            try:
                records[key] = TextRecord.model_validate({**inherited, **own})
            except ValidationError as error:
                raise ContentError(f"texts.{key}: {first_error(error)}") from error
        return records


class CrisisWords(Strict):
    """``crisis_words.yml``: words that leave no doubt that a young person is in danger, for
    a language the classifier was not trained on (Arabic, Dari, Pashto).

    The classifier never reads another script, so these words are the only way such a
    message raises the alert. They are owned like the texts (who wrote them, who checked
    them), and reviewed with a counsellor and an interpreter. The safety net
    (``nlu/safety.py``) matches them on a folded form, so hamza, vowel marks, Arabic or
    Persian ye and kaf, tatweel and the half-space do not matter.
    """

    written_by: str = Field(min_length=2)
    state: ReviewState
    reviewed_by: str | None = None
    reviewed_on: date | None = None
    kinds: dict[str, list[str]] = Field(min_length=1)
    """The safety net's kind of crisis (``suicide``, ``violence``...) → its words."""

    @model_validator(mode="after")
    def _words_are_words(self) -> CrisisWords:
        for kind, words in self.kinds.items():
            if not words or any(len(word.strip()) < 3 for word in words):  # noqa: PLR2004
                raise ValueError(f"kinds.{kind}: list words of three letters or more")
        if self.state is ReviewState.REVIEWED and not (self.reviewed_by and self.reviewed_on):
            raise ValueError("reviewed words name reviewed_by and reviewed_on")
        return self


class LanguageTexts(Strict):
    """A language and its texts, keyed ``file.key`` (``messages.greet``)."""

    language: Language
    texts: dict[str, TextRecord]
    crisis_words: CrisisWords | None = None


def read_yaml(path: Path, *, shown: str) -> Any:
    """Parse one content file; ``shown`` names it in errors as a reviewer knows it."""
    try:
        with path.open(encoding="utf-8") as stream:
            return safe_load(stream)
    except FileNotFoundError as error:
        raise ContentError(f"{shown}: file is missing") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{shown}: not valid YAML ({error})") from error


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, as ``where: what``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def read_language(folder: Path) -> LanguageTexts:
    """Read one language folder.

    Raises:
        ContentError: naming the file and the first problem found.
    """
    shown = f"languages/{folder.name}"
    try:
        language = Language.model_validate(
            read_yaml(folder / LANGUAGE_FILE, shown=f"{shown}/{LANGUAGE_FILE}")
        )
    except ValidationError as error:
        raise ContentError(f"{shown}/{LANGUAGE_FILE}: {first_error(error)}") from error
    if language.code != folder.name:
        raise ContentError(
            f"{shown}/{LANGUAGE_FILE}: code {language.code!r} is not the folder name"
        )
    texts: dict[str, TextRecord] = {}
    for name in TEXT_FILES:
        path = folder / f"{name}.yml"
        if not path.is_file():
            continue
        raw = read_yaml(path, shown=f"{shown}/{path.name}")
        try:
            records = _TextFile.model_validate(raw)
            texts |= {f"{name}.{key}": record for key, record in records.records().items()}
        except ValidationError as error:
            raise ContentError(f"{shown}/{path.name}: {first_error(error)}") from error
        except ContentError as error:
            raise ContentError(f"{shown}/{path.name}: {error}") from error
    crisis_words = None
    if (folder / CRISIS_WORDS_FILE).is_file():
        raw = read_yaml(folder / CRISIS_WORDS_FILE, shown=f"{shown}/{CRISIS_WORDS_FILE}")
        try:
            crisis_words = CrisisWords.model_validate(raw)
        except ValidationError as error:
            raise ContentError(f"{shown}/{CRISIS_WORDS_FILE}: {first_error(error)}") from error
    elif any(script != "Latin" for script in language.scripts):
        raise ContentError(
            f"{shown}: {CRISIS_WORDS_FILE} is missing (the classifier does not read this"
            " script: without these words a young person in danger would not be heard)"
        )
    unexpected = sorted(
        path.name
        for path in folder.iterdir()
        if path.name not in {LANGUAGE_FILE, CRISIS_WORDS_FILE}
        and path.stem not in TEXT_FILES
        and not path.name.startswith(".")
    )
    if unexpected:
        raise ContentError(
            f"{shown}: unexpected files {unexpected} (expected {LANGUAGE_FILE},"
            f" {CRISIS_WORDS_FILE} and {', '.join(f'{name}.yml' for name in TEXT_FILES)})"
        )
    return LanguageTexts(language=language, texts=texts, crisis_words=crisis_words)


def read_languages(directory: Path) -> dict[str, LanguageTexts]:
    """Every language folder under ``directory`` (``bot/languages``), French first.

    Raises:
        ContentError: no French folder, or a folder with a problem.
    """
    if not directory.is_dir():
        raise ContentError("languages: folder is missing")
    folders = sorted(path for path in directory.iterdir() if path.is_dir())
    languages = {folder.name: read_language(folder) for folder in folders}
    if REFERENCE not in languages:
        raise ContentError(f"languages/{REFERENCE}: the French texts are missing")
    return {REFERENCE: languages.pop(REFERENCE), **languages}
