"""Typed view of ``bot/``: answers per intent, dialogue messages, crisis resources, privacy texts.

Everything a young person reads comes from here, so a missing intent or locale must stop the
bot at start-up rather than surface as a KeyError in the middle of a conversation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from outreach_bot.content.languages import (
    REFERENCE,
    ContentError,
    CrisisWords,
    Language,
    LanguageTexts,
    Localized,
    Strict,
    TextRecord,
    first_error,
    read_languages,
    read_yaml,
    wider,
)
from outreach_bot.domain.intents import INTENTS
from outreach_bot.domain.questions import QuestionKind

#: Intents the dialogue answers itself (greetings, yes/no, global commands, crisis).
DIALOGUE_INTENTS: Final = frozenset(
    {"crisis", "opt_out", "forget_me", "greet", "goodbye", "thanks", "affirm", "deny"}
)

#: Intents that get an answer from ``answers.yml``: every contract intent the dialogue does
#: not answer itself.
ANSWERED_INTENTS: Final = tuple(intent for intent in INTENTS if intent not in DIALOGUE_INTENTS)

CRISIS_KINDS: Final = (
    "medical",
    "suicide",
    "sexual_violence",
    "sextortion",
    "violence",
    "violence_adult",
    "shelter",
    "shelter_minor",
    "shelter_adult",
    "danger",
    "gentle",
    "default",
)

_M = TypeVar("_M", bound="BaseModel")
_Strict = Strict


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
        for locale, text in self.text.items():
            undeclared = [f for f in figures_in(text) if f not in declared]
            if undeclared:
                raise ValueError(
                    f"text.{locale} states {undeclared} without a figures entry giving its source"
                )
        return self


class FollowUp(_Sourced):
    """A question young people ask next on the same topic, offered as a quick reply.

    ``keywords`` (compared as whole words, without accents or case) name what this answer is
    about ("garant", "rsa"): they send a typed message here. ``asks`` are the kinds of question
    it answers (:mod:`outreach_bot.domain.questions`): after the topic's answer, "c'est payé
    combien ?" names no topic and gets the topic's follow-up that answers ``pay``.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    question: Localized
    keywords: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    """Phrases that name this very need wherever the conversation is ("garder ma fille"): a
    message with one gets this answer, and the topics it also names become buttons. Keep them
    precise; a word that also says something else belongs in ``keywords``."""
    asks: list[QuestionKind] = Field(default_factory=list)
    urgent: bool = False
    """A lead asked for after this answer is urgent (an OQTF: appeal deadlines are short)."""


class Answer(_Sourced):
    """A reviewed knowledge-base answer and the follow-up questions of its topic."""

    intent: str
    offer_lead: bool = True
    names: list[str] = Field(default_factory=list)
    """Words that name the topic ("cej", "alternance", "permis"): a message with one of them is
    about this topic, whatever topic the conversation was on."""
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
        for locale, label in self.label.items():
            if self.hours and self.hours.get(locale) not in label:
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
        for name in ("call", "sms"):
            for locale, title in getattr(self.buttons, name).items():
                if "{number}" not in title or title.count("{") != 1:
                    raise ValueError(f"buttons.{name}.{locale} must use {{number}} once")
        for name, kind in self.kinds.items():
            unknown = set(kind.resources) - set(known)
            if unknown:
                raise ValueError(f"kind {name} names unknown resources {sorted(unknown)}")
            for ref in kind.resources:
                resource = known[ref]
                for locale, text in kind.text.items():
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
    """Everything the bot can say, validated, and who wrote each text in each language."""

    model_config = ConfigDict(frozen=True)

    answers: dict[str, Answer]
    messages: dict[str, Localized]
    crisis: CrisisFile
    privacy: PrivacyFile
    languages: dict[str, Language]
    """Every language that has a folder, French first."""
    texts: dict[str, dict[str, TextRecord]]
    """Language code → text key (``messages.greet``) → the text, its author and review state."""
    crisis_words: dict[str, CrisisWords] = Field(default_factory=dict)
    """Language code → the words that mean danger in it (languages the classifier does not
    read); the safety net matches every language's words on every message."""

    def answer(self, intent: str) -> Answer | None:
        """The knowledge-base answer for ``intent``, if it has one."""
        return self.answers.get(intent)

    def adopt(self, newer: Content) -> None:
        """Say ``newer``'s texts from now on, in place.

        The dialogue engine, the scheduler, the channels and the SMS budget each hold this
        one object, so an approval made in the back office reaches all of them at once, with
        no restart. ``newer`` was validated as at start-up. Each field is replaced whole, in
        one step of the event loop: no turn reads half of the old texts and half of the new.
        """
        for name in type(self).model_fields:
            object.__setattr__(self, name, getattr(newer, name))

    def message(self, key: str, locale: str, **values: object) -> str:
        """A dialogue message with its ``{placeholders}`` filled in.

        Raises:
            KeyError: unknown key; start-up validation makes this a programming error.
        """
        return self.messages[key].get(locale).format(**values)

    def require_messages(self, keys: dict[str, frozenset[str]]) -> None:
        """Check that each key exists and uses exactly the placeholders the code fills.

        An unknown placeholder would crash the reply; a left-out one loses what the young
        person needs (a poster without the SMS number, a summary without the age). Every
        language that has the text is checked.

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
            for locale, text in self.messages[key].items():
                used = {name for _, name, _, _ in Formatter().parse(text) if name}
                if used - allowed:
                    problems.append(f"{key}.{locale} uses unknown {sorted(used - allowed)}")
                if allowed - used:
                    problems.append(f"{key}.{locale} leaves out {sorted(allowed - used)}")
        if problems:
            raise ContentError("bot/languages/*/messages.yml: " + "; ".join(problems))


class _Slots:
    """Hands each text slot of the structure files its text in every language.

    The structure files (``bot/answers.yml``...) say which texts exist (an answer per intent,
    a follow-up, a crisis kind); the language folders hold the texts. Every key asked for is
    remembered, so a key no slot asked for (a typo, a removed follow-up) can be reported.
    """

    def __init__(self, languages: dict[str, LanguageTexts]) -> None:
        self._languages = languages
        self.asked: list[str] = []

    def take(self, key: str) -> dict[str, str]:
        """The text of ``key`` in each language that has it."""
        self.asked.append(key)
        return {
            code: folder.texts[key].text
            for code, folder in self._languages.items()
            if key in folder.texts
        }

    def take_if_french(self, key: str) -> dict[str, str] | None:
        """Like :meth:`take`, for an optional text: present when French has it."""
        return self.take(key) if key in self._languages[REFERENCE].texts else None

    def check(self, required: frozenset[str]) -> None:
        """Every text asked for exists in French, in each complete language, and for every
        language in ``required`` keys (the crisis texts: a variant such as ``fr-x-falc`` may
        say its wider language's); no language has a key nobody asked for.

        Raises:
            ContentError: naming the language file and the keys.
        """
        asked = set(self.asked)
        for code, folder in self._languages.items():
            unknown = sorted(set(folder.texts) - asked)
            if unknown:
                raise ContentError(f"languages/{code}: unknown text keys {_keys(unknown)}")
            needed = asked if code == REFERENCE or folder.language.complete else required
            own = [self._languages[wide].texts for wide in wider(code) if wide in self._languages]
            missing = sorted(key for key in needed if not any(key in texts for texts in own))
            if missing:
                raise ContentError(f"languages/{code}: missing texts {_keys(missing)}")


def _keys(keys: list[str]) -> str:
    """Keys as a reviewer finds them: the file, then the key inside it."""
    return ", ".join(f"{key.split('.', 1)[0]}.yml: {key.split('.', 1)[1]}" for key in keys)


def _structure(name: str, directory: Path) -> dict[str, Any]:
    raw = read_yaml(directory / f"{name}.yml", shown=f"{name}.yml")
    if not isinstance(raw, dict):
        raise ContentError(f"{name}.yml: expected a mapping")
    return raw


def _answers_with_texts(raw: dict[str, Any], slots: _Slots) -> dict[str, Any]:
    for answer in raw.get("answers") or []:
        if not isinstance(answer, dict) or "intent" not in answer:
            continue  # the model says what is wrong with it
        intent = answer["intent"]
        answer["text"] = slots.take(f"answers.{intent}")
        for followup in answer.get("followups") or []:
            if isinstance(followup, dict) and "id" in followup:
                key = f"answers.{intent}.{followup['id']}"
                followup["question"] = slots.take(f"{key}.question")
                followup["text"] = slots.take(key)
    return raw


def _crisis_with_texts(raw: dict[str, Any], slots: _Slots) -> dict[str, Any]:
    raw["buttons"] = {
        name: slots.take(f"crisis.buttons.{name}") for name in ("call", "sms", "team")
    }
    raw["after"] = slots.take("crisis.after")
    raw["team_told"] = slots.take("crisis.team_told")
    for resource in raw.get("resources") or []:
        if isinstance(resource, dict) and "id" in resource:
            key = f"crisis.resources.{resource['id']}"
            resource["label"] = slots.take(f"{key}.label")
            if (hours := slots.take_if_french(f"{key}.hours")) is not None:
                resource["hours"] = hours
    kinds = raw.get("kinds")
    for name, kind in kinds.items() if isinstance(kinds, dict) else ():
        if isinstance(kind, dict):
            kind["text"] = slots.take(f"crisis.kinds.{name}")
    return raw


def _privacy_with_texts(raw: dict[str, Any], slots: _Slots) -> dict[str, Any]:
    if isinstance(raw.get("consent"), dict):
        raw["consent"]["text"] = slots.take("privacy.consent")
    if isinstance(raw.get("referral_consent"), dict):
        raw["referral_consent"]["text"] = slots.take("privacy.referral_consent")
    raw["notice"] = slots.take("privacy.notice")
    raw["under_15"] = slots.take("privacy.under_15")
    return raw


def _validated(model: type[_M], name: str, raw: dict[str, Any]) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise ContentError(f"{name}.yml: {first_error(error)}") from error


def load_content(
    directory: Path, approved: Mapping[tuple[str, str], TextRecord] | None = None
) -> Content:
    """Load ``bot/``: the structure files with the texts of every language folder.

    ``approved`` (language, key) → text replaces or adds texts approved in the back office
    (``core.texts``); they go through every check the files go through.

    Checks that every answered intent exists exactly once, that French and each complete
    language have every text, and that every language has every crisis text, so that a
    young person in danger never reads a language they did not choose.

    Raises:
        ContentError: with the file and the first problem found.
    """
    languages = read_languages(directory / "languages")
    for (code, key), record in (approved or {}).items():
        if code in languages:
            folder = languages[code]
            languages[code] = folder.model_copy(update={"texts": {**folder.texts, key: record}})
    slots = _Slots(languages)
    answers_raw = _answers_with_texts(_structure("answers", directory), slots)
    crisis_raw = _crisis_with_texts(_structure("crisis", directory), slots)
    privacy_raw = _privacy_with_texts(_structure("privacy", directory), slots)
    french_messages = [key for key in languages[REFERENCE].texts if key.startswith("messages.")]
    message_texts = {key.removeprefix("messages."): slots.take(key) for key in french_messages}
    slots.check(frozenset(key for key in slots.asked if key.startswith("crisis.")))

    answer_file = _validated(AnswerFile, "answers", answers_raw)
    answers: dict[str, Answer] = {}
    for answer in answer_file.answers:
        if answer.intent in answers:
            raise ContentError(f"answers.yml: intent {answer.intent} appears twice")
        answers[answer.intent] = answer
    missing = [intent for intent in ANSWERED_INTENTS if intent not in answers]
    if missing:
        raise ContentError(f"answers.yml: no answer for {', '.join(missing)}")
    messages = {key: Localized.model_validate(texts) for key, texts in message_texts.items()}
    return Content(
        answers=answers,
        messages=messages,
        crisis=_validated(CrisisFile, "crisis", crisis_raw),
        privacy=_validated(PrivacyFile, "privacy", privacy_raw),
        languages={code: folder.language for code, folder in languages.items()},
        texts={code: folder.texts for code, folder in languages.items()},
        crisis_words={
            code: folder.crisis_words
            for code, folder in languages.items()
            if folder.crisis_words is not None
        },
    )
