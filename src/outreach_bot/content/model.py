"""Typed view of ``bot/``: answers per intent, dialogue messages, crisis resources, privacy texts.

Everything a young person reads comes from here, so a missing intent or locale must stop the
bot at start-up rather than surface as a KeyError in the middle of a conversation.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any, Final, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from outreach_bot.domain.intents import INTENTS
from outreach_bot.yaml_files import safe_load

LOCALES: Final = ("fr", "en")

#: Intents the dialogue answers itself (greetings, yes/no, global commands, crisis).
DIALOGUE_INTENTS: Final = frozenset(
    {"crisis", "opt_out", "forget_me", "greet", "goodbye", "thanks", "affirm", "deny"}
)

#: Intents that get an answer from ``answers.yml``: every contract intent the dialogue does
#: not answer itself.
ANSWERED_INTENTS: Final = tuple(intent for intent in INTENTS if intent not in DIALOGUE_INTENTS)

CRISIS_KINDS: Final = ("suicide", "violence", "shelter", "danger", "default")

_M = TypeVar("_M", bound="BaseModel")


class ContentError(Exception):
    """``bot/`` is missing something or is malformed; the message says which file and what."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """A text in every supported locale."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        """The text in ``locale``, French when the locale is unknown."""
        return self.en if locale == "en" else self.fr


#: What counts as a figure in an answer: an amount in euros, a percentage, a phone number
#: (ten digits from 0, a short number such as 3018 or 115, or 116 xxx). Each one must be
#: declared with where it was checked, so no figure reaches a young person unsourced.
FIGURE_RE: Final = re.compile(
    r"\d[\d\u00a0\u202f ]*(?:[,.]\d+)?[\u00a0\u202f ]?(?:€|%)"
    r"|\b0[\u00a0 ]?[1-9](?:[\u00a0 .]?\d{2}){4}\b"
    r"|\b0[\u00a0 ]?800[\u00a0 ]?\d{3}[\u00a0 ]?\d{3}\b"
    r"|\b116[\u00a0 ]\d{3}\b"
    r"|\b(?:3\d{3}|11[2-9])\b"
)
_SPACES: Final = re.compile(r"[\s\u00a0\u202f]+")


def figures_in(text: str) -> list[str]:
    """The figures written in ``text`` (euro amounts, percentages, phone numbers), as written."""
    return [_SPACES.sub(" ", match.group().strip()) for match in FIGURE_RE.finditer(text)]


class Figure(_Strict):
    """A figure an answer states, with where someone checked it (the facts sheet's source)."""

    value: str = Field(min_length=1)
    ref: str = Field(min_length=5)


class _Sourced(_Strict):
    """A text with its source page, review date and the figures it states."""

    source: str = Field(pattern=r"^https://")
    reviewed: date
    text: Localized
    figures: list[Figure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _figures_declared(self) -> _Sourced:
        declared = {_SPACES.sub(" ", figure.value) for figure in self.figures}
        for locale in LOCALES:
            undeclared = [f for f in figures_in(self.text.get(locale)) if f not in declared]
            if undeclared:
                raise ValueError(
                    f"text.{locale} states {undeclared} without a figures entry giving its source"
                )
        return self


class FollowUp(_Sourced):
    """A question young people ask next on the same topic, offered as a quick reply.

    ``keywords`` (compared without accents or case) send a typed question here, so that
    "c'est combien le CEJ ?" gets the amount rather than the general answer.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    question: Localized
    keywords: list[str] = Field(default_factory=list)


class Answer(_Sourced):
    """A reviewed knowledge-base answer and the follow-up questions of its topic."""

    intent: str
    offer_lead: bool = True
    followups: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_followups(self) -> Answer:
        ids = [followup.id for followup in self.followups]
        if len(ids) != len(set(ids)):
            raise ValueError(f"follow-up ids repeat in {self.intent}: {ids}")
        return self

    def followup(self, followup_id: str | None) -> FollowUp | None:
        """The follow-up with this id, if the topic has one."""
        return next((f for f in self.followups if f.id == followup_id), None)


class AnswerFile(_Strict):
    """``bot/answers.yml``."""

    version: int
    answers: list[Answer]


class CrisisResource(_Strict):
    """An emergency number, who it is for, and how to reach it.

    ``hours`` is set only for a number that is not open day and night (Fil Santé Jeunes,
    116 006): every crisis text that names it must then say when it answers, so such a
    number is never read as one of the 24/7 lines.
    """

    id: str
    number: str = Field(pattern=r"^[0-9]+( [0-9]+)*$")
    by: Literal["call", "sms"] = "call"
    source: str = Field(pattern=r"^https://")
    hours: Localized | None = None
    label: Localized

    @model_validator(mode="after")
    def _hours_in_label(self) -> CrisisResource:
        for locale in LOCALES:
            if self.hours and self.hours.get(locale) not in self.label.get(locale):
                raise ValueError(f"{self.id}: the {locale} label must say its hours")
        return self

    @property
    def link(self) -> str:
        """The ``tel:`` or ``sms:`` link that opens the phone's dialler or messages app."""
        scheme = "sms" if self.by == "sms" else "tel"
        return f"{scheme}:{self.number.replace(' ', '')}"

    def named_in(self, text: str) -> bool:
        """Whether ``text`` writes this number as a whole (``114`` is not found in ``3114``)."""
        return re.search(rf"(?<![0-9]){re.escape(self.number)}(?![0-9])", text) is not None


class CrisisKind(_Strict):
    """What the bot says at once for one kind of crisis."""

    resources: list[str] = Field(min_length=1)
    text: Localized


class CrisisButtons(_Strict):
    """Titles of the crisis buttons; ``{number}`` is filled with each resource's number."""

    call: Localized
    sms: Localized
    team: Localized


class CrisisFile(_Strict):
    """``bot/crisis.yml``."""

    version: int
    source: str = Field(pattern=r"^https://")
    reviewed: date
    buttons: CrisisButtons
    after: Localized
    team_told: Localized
    resources: list[CrisisResource]
    kinds: dict[str, CrisisKind]

    @model_validator(mode="after")
    def _complete(self) -> CrisisFile:
        known = {resource.id: resource for resource in self.resources}
        missing = [kind for kind in CRISIS_KINDS if kind not in self.kinds]
        if missing:
            raise ValueError(f"missing crisis kinds: {', '.join(missing)}")
        for locale in LOCALES:
            for name in ("call", "sms"):
                title = getattr(self.buttons, name).get(locale)
                if "{number}" not in title or title.count("{") != 1:
                    raise ValueError(f"buttons.{name}.{locale} must use {{number}} once")
        for name, kind in self.kinds.items():
            unknown = set(kind.resources) - set(known)
            if unknown:
                raise ValueError(f"kind {name} names unknown resources {sorted(unknown)}")
            for ref in kind.resources:
                resource = known[ref]
                for locale in LOCALES:
                    text = kind.text.get(locale)
                    if not resource.named_in(text):
                        raise ValueError(
                            f"kind {name}: the {locale} text does not write {resource.number}"
                        )
                    if resource.hours and resource.hours.get(locale) not in text:
                        raise ValueError(
                            f"kind {name}: the {locale} text names {resource.number} without"
                            f" its hours ({resource.hours.get(locale)!r}); it is not open 24/7"
                        )
        return self

    def resources_of(self, kind: str) -> list[CrisisResource]:
        """The numbers of ``kind`` (the general ones for an unknown kind), in their order."""
        chosen = self.kinds.get(kind, self.kinds["default"])
        known = {resource.id: resource for resource in self.resources}
        return [known[ref] for ref in chosen.resources]

    def link_title(self, resource: CrisisResource, locale: str) -> str:
        """The title of a resource's link button ("Appeler le 3114", "SMS au 114")."""
        title = self.buttons.sms if resource.by == "sms" else self.buttons.call
        return title.get(locale).format(number=resource.number)

    def again_text(self, kind: str, locale: str) -> str:
        """What the bot says to any message after a crisis: still here, and the numbers again.

        Each number is written on its own line with what it is for, so an SMS or Telegram
        reader, who gets no call button, can still tap or dial it.
        """
        lines = [self.after.get(locale)]
        lines += [f"{r.number} : {r.label.get(locale)}" for r in self.resources_of(kind)]
        return "\n".join(lines)


class ConsentText(_Strict):
    """The consent request, versioned so each recorded consent says what was agreed to."""

    text_version: str
    text: Localized


class PrivacyFile(_Strict):
    """``bot/privacy.yml``."""

    version: int
    consent: ConsentText
    referral_consent: ConsentText
    """Asked before a partner hears of the young person: ``{organisation}`` and ``{shared}``."""
    notice: Localized
    under_15: Localized


class Content(BaseModel):
    """Everything the bot can say, validated."""

    model_config = ConfigDict(frozen=True)

    answers: dict[str, Answer]
    messages: dict[str, Localized]
    crisis: CrisisFile
    privacy: PrivacyFile

    def answer(self, intent: str) -> Answer | None:
        """The knowledge-base answer for ``intent``, if it has one."""
        return self.answers.get(intent)

    def message(self, key: str, locale: str, **values: object) -> str:
        """A dialogue message with its ``{placeholders}`` filled in.

        Raises:
            KeyError: unknown key; start-up validation makes this a programming error.
        """
        return self.messages[key].get(locale).format(**values)

    def require_messages(self, keys: dict[str, frozenset[str]]) -> None:
        """Check that each key exists and uses exactly the placeholders the code fills.

        An unknown placeholder would crash the reply; a left-out one loses what the young
        person needs (a poster without the SMS number, a summary without the age).

        Args:
            keys: message key → the placeholder names the code passes.

        Raises:
            ContentError: a key is missing, or a text uses an unknown placeholder or leaves
                one out.
        """
        problems: list[str] = []
        for key, allowed in sorted(keys.items()):
            if key not in self.messages:
                problems.append(f"missing message {key!r}")
                continue
            for locale in LOCALES:
                used = {
                    name
                    for _, name, _, _ in Formatter().parse(self.messages[key].get(locale))
                    if name
                }
                if used - allowed:
                    problems.append(f"{key}.{locale} uses unknown {sorted(used - allowed)}")
                if allowed - used:
                    problems.append(f"{key}.{locale} leaves out {sorted(allowed - used)}")
        if problems:
            raise ContentError("bot/messages.yml: " + "; ".join(problems))


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return safe_load(stream)
    except FileNotFoundError as error:
        raise ContentError(f"{path.name}: file is missing") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML ({error})") from error


def _validated(model: type[_M], path: Path) -> _M:
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ContentError(f"{path.name}: {where}: {first['msg']}") from error


def load_content(directory: Path) -> Content:
    """Load ``bot/`` and check that every answered intent exists exactly once in every locale.

    Raises:
        ContentError: with the file and the first problem found.
    """
    answer_file = _validated(AnswerFile, directory / "answers.yml")
    answers: dict[str, Answer] = {}
    for answer in answer_file.answers:
        if answer.intent in answers:
            raise ContentError(f"answers.yml: intent {answer.intent} appears twice")
        answers[answer.intent] = answer
    missing = [intent for intent in ANSWERED_INTENTS if intent not in answers]
    if missing:
        raise ContentError(f"answers.yml: no answer for {', '.join(missing)}")
    raw_messages = _read_yaml(directory / "messages.yml")
    if not isinstance(raw_messages, dict) or not isinstance(raw_messages.get("messages"), dict):
        raise ContentError("messages.yml: expected a 'messages:' mapping")
    messages: dict[str, Localized] = {}
    for key, value in raw_messages["messages"].items():
        try:
            messages[str(key)] = Localized.model_validate(value)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ContentError(f"messages.yml: {key}.{where}: {first['msg']}") from error
    return Content(
        answers=answers,
        messages=messages,
        crisis=_validated(CrisisFile, directory / "crisis.yml"),
        privacy=_validated(PrivacyFile, directory / "privacy.yml"),
    )
