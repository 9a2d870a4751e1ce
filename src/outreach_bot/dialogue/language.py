"""The language a young person reads: guessed from their first message, confirmed or picked by
them, kept on the conversation and changed whenever they ask ("langue", "language", "لغة").

The script of a message says a lot before any word is read: Arabic letters mean Arabic, Dari or
Pashto, never French. Dari or Pashto typed in Latin letters ("man kar mekhaham") is told by
its words (``latin_words`` in ``language.yml``). Among the languages that share a script, an
offline identifier (injected, see :class:`Identify`) picks the likeliest; a language no
identifier knows (Tigrinya, Bengali, Pular) gets the list of languages as buttons, each in its
own name. The classifier was trained on French and English: a message in another script, or
taken for Dari in Latin letters, is never given its guess, so a Dari job request cannot be read
as a crisis.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

from outreach_bot.content import Content
from outreach_bot.content.languages import REFERENCE, Language, lookup_chain
from outreach_bot.dialogue.locale import guess_locale
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Payload, fold
from outreach_bot.domain.questions import words_of

LANGUAGE_PAYLOAD: Final = "language"
"""``/language`` opens the list of languages, ``/language{"code":"ar"}`` picks one."""
LATIN: Final = "Latin"
LATIN_MIN_WORDS: Final = 2
"""A message in Latin letters is in a language of ``latin_words`` when at least this many of
its words, and at least half of them, are that language's."""
_LATIN_WORD: Final = re.compile(r"[a-z]+")
SURE: Final = 0.7
GUESSED_BY_WORDS: Final = frozenset({REFERENCE, "en"})
"""Languages told apart by their words until the person settles one (``guess_locale``)."""
"""Below this probability the identifier's pick is offered among the script's languages."""

#: Every message key this module says, with its placeholders (checked at start-up).
LANGUAGE_MESSAGES: Final[dict[str, frozenset[str]]] = {
    "language_menu": frozenset(),
    "language_detected": frozenset(),
    "language_set": frozenset(),
    "interpreter_offer": frozenset(),
    "easy_offer": frozenset(),
    "button_other_language": frozenset(),
}


@dataclass(frozen=True, slots=True)
class _Offered:
    """A language offered on what someone writes (français facile), from ``language.yml``:
    its phrases and the words that may surround them, each as :func:`words_of` reads it,
    longest first so that "trop complique" goes before "complique"."""

    code: str
    phrases: tuple[str, ...]
    around: tuple[str, ...]


def _phrases(listed: Sequence[str]) -> tuple[str, ...]:
    read = {words_of(phrase).strip() for phrase in listed}
    return tuple(sorted((phrase for phrase in read if phrase), key=lambda p: (-len(p), p)))


def _without(words: str, phrases: Sequence[str]) -> str:
    """``words`` (from :func:`words_of`) with every whole-word occurrence of ``phrases`` cut."""
    for phrase in phrases:
        framed = f" {phrase} "
        while framed in words:
            words = words.replace(framed, " ")
    return words


class Identify(Protocol):
    """An offline language identifier restricted to some languages (``nlu.language``)."""

    def __call__(self, text: str, candidates: Sequence[str]) -> tuple[str, float] | None:
        """The likeliest of ``candidates`` (identifier codes) and its probability."""
        ...


def script_of(text: str) -> str | None:
    """The writing system most of the letters of ``text`` are in ("Latin", "Arabic"...).

    Read from each letter's Unicode name ("ARABIC LETTER FARSI YEH"), so any script is told
    apart without a table; digits, spaces, punctuation and emoji do not count.
    """
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            counts[unicodedata.name(char, "UNKNOWN").split(" ", 1)[0].title()] += 1
    return counts.most_common(1)[0][0] if counts else None


@dataclass(frozen=True, slots=True)
class LanguageStep:
    """What a language command or guess produced: replies, and whether the engine should then
    welcome the person in the language (the greeting, or the question the form was at)."""

    replies: list[Reply]
    welcome: bool = False


class Languages:
    """The language rules of the dialogue; pure, like the engine that owns it."""

    def __init__(self, content: Content, identify: Identify | None = None) -> None:
        self._content = content
        self._identify = identify
        languages = content.languages.values()
        self._menu_words = frozenset(fold(word) for lang in languages for word in lang.words)
        self._offered = [
            _Offered(lang.code, _phrases(lang.offered_on), _phrases(lang.offered_with))
            for lang in languages
            if lang.offered_on
        ]
        self._yes_no = {fold(word): "affirm" for lang in languages for word in lang.yes_words} | {
            fold(word): "deny" for lang in languages for word in lang.no_words
        }
        self._latin = {
            lang.code: frozenset(fold(word) for word in lang.latin_words)
            for lang in languages
            if lang.latin_words
        }
        self._by_script: dict[str, list[Language]] = {}
        for lang in languages:
            for script in lang.scripts:
                self._by_script.setdefault(script, []).append(lang)

    # -- before understanding ------------------------------------------------------------------

    def read_on_page(self, state: DialogueState, code: str | None) -> DialogueState:
        """Go on in the language the person read the landing page in, unless they settled one.

        A page read in Arabic, Dari or Pashto (picked there, or the phone's language) is their
        choice, as a tap on the language's button would be: the greeting comes in it, and it
        is not asked again. French and English only set where the bot starts: their words
        still tell them apart, so a French speaker whose phone is in English is answered in
        French once they write French. An unknown code changes nothing.
        """
        if code is None or state.language_set or code not in self._content.languages:
            return state
        return replace(state, locale=code, language_set=code not in GUESSED_BY_WORDS)

    def notice(self, state: DialogueState, text: str) -> bool:
        """Read the language of a typed message; True when the classifier must not be trusted
        with it (a script other than Latin, which its training data is in).

        Until the person has settled a language, French and English are told apart by their
        words as before, and a message in another script switches to the likeliest language
        of that script, which :meth:`answer` then asks them to confirm.
        """
        script = script_of(text)
        foreign = script is not None and script != LATIN
        if state.language_set and not self._switches_script(state.locale, script):
            return foreign
        if state.language_set:
            # French chosen, then a whole message in Dari: the choice was not theirs to keep.
            # Asked again below, as for a first message in that script.
            state.language_set = False
            state.locale = REFERENCE
        if not foreign:
            typed = self._latin_language(text) if script == LATIN else None
            if typed is not None:
                # "man kar mekhaham": Dari in Latin letters, no French for the classifier.
                state.locale = typed
                return True
            if state.locale in GUESSED_BY_WORDS:
                state.locale = guess_locale(text, state.locale)
            return False
        guess = self._guess(text, script or "")
        if guess is not None:
            state.locale = guess
        return True

    def _latin_language(self, text: str) -> str | None:
        """The language a message in Latin letters is mostly made of (``latin_words``), if any.

        "salam man donbal kar hastam" is Dari (4 of its 5 words); "hey man i need a job" is
        not (1 of 6), nor is "salam wesh jcherche un taf wallah".
        """
        words = _LATIN_WORD.findall(fold(text))
        counts = {
            code: sum(word in lexicon for word in words) for code, lexicon in self._latin.items()
        }
        best = max(counts, key=lambda code: counts[code], default=None)
        if best is None:
            return None
        hits = counts[best]
        rivals = [code for code, count in counts.items() if count == hits]
        if hits < LATIN_MIN_WORDS or 2 * hits < len(words) or len(rivals) > 1:
            return None
        return best

    def _switches_script(self, locale: str, script: str | None) -> bool:
        """Whether a message in ``script`` leaves the settled language's own script for one
        the team has texts in (a Latin "ok" in an Arabic conversation does not)."""
        if script is None or script == LATIN or script not in self._by_script:
            return False
        language = self._content.languages.get(locale)
        return language is not None and script not in language.scripts

    def _guess(self, text: str, script: str) -> str | None:
        candidates = self._by_script.get(script, [])
        if len(candidates) == 1:
            return candidates[0].code
        known = {lang.identifier: lang.code for lang in candidates if lang.identifier}
        if not known or self._identify is None:
            return None
        found = self._identify(text, sorted(known))
        if found is None or found[1] < SURE:
            return None
        return known.get(found[0])

    def yes_or_no(self, text: str) -> str | None:
        """``affirm`` or ``deny`` for a yes or no typed in a language the classifier does not
        read ("نعم" as the yes button); None for anything else."""
        return self._yes_no.get(fold(text))

    # -- commands and confirmations --------------------------------------------------------------

    def answer(
        self,
        state: DialogueState,
        payload: Payload | None,
        text: str,
        *,
        foreign: bool,
        in_form: bool,
    ) -> LanguageStep | None:
        """The language list, a pick, the easy-French offer, or the confirmation of a guess;
        None when the message is about something else."""
        if payload is not None and payload.name == LANGUAGE_PAYLOAD:
            code = payload.entities.get("code", "")
            if code not in self._content.languages:
                return LanguageStep([self.menu(state)])
            state.locale = code
            state.language_set = True
            return LanguageStep([Reply(self._text("language_set", state))], welcome=True)
        if payload is not None:
            return None
        words = fold(text)
        if words in self._menu_words:
            return LanguageStep([self.menu(state)])
        offered = self.asks_easier(text)
        if offered is not None:
            state.locale = offered
            state.language_set = True
            if in_form:  # the question the form was at, asked again more simply
                return LanguageStep([Reply(self._text("language_set", state))], welcome=True)
            return LanguageStep(self._easy(state))
        if foreign and not state.language_set and not in_form:
            if script_of(text) in self._by_script and state.locale != REFERENCE:
                state.language_set = True
                return LanguageStep([self._confirm(state)])
            return LanguageStep([self.menu(state, every_language=True)])
        return None

    def asks_easier(self, text: str) -> str | None:
        """The language a message asks for by saying it does not read or follow the bot well
        ("c trop compliqué tes messages", "tu peux parler plus simple", "jcomprend pa tro"),
        or None.

        The message must hold one of the language's ``offered_on`` phrases and nothing else but
        words of its ``offered_with`` list, as :func:`~outreach_bot.dialogue.turn.command_of`
        reads a STOP: "je comprends pas pourquoi mon patron me paie pas" is a question about
        pay, not a reading difficulty. Phone spelling is written out first (``words_of``).
        """
        words = words_of(text)
        for offered in self._offered:
            rest = _without(words, offered.phrases)
            if rest == words:
                continue
            if not _without(rest, offered.around).strip():
                return offered.code
        return None

    def menu(self, state: DialogueState, *, every_language: bool = False) -> Reply:
        """The languages as buttons, each in its own name; for someone whose language the bot
        cannot tell, "choose your language" is said in every language."""
        if every_language:
            lines = dict.fromkeys(
                self._content.messages["language_menu"].get(code)
                for code in self._content.languages
            )
            text = "\n".join(lines)
        else:
            text = self._text("language_menu", state)
        return Reply(text, self._language_buttons())

    def _language_buttons(self) -> tuple[Button, ...]:
        return tuple(
            Button(lang.native_name, f'/{LANGUAGE_PAYLOAD}{{"code":"{lang.code}"}}')
            for lang in self._content.languages.values()
        )

    def _confirm(self, state: DialogueState) -> Reply:
        """ "You write in Dari: shall I go on in Dari?" with Dari, French and the whole list."""
        guessed = self._content.languages[state.locale]
        buttons = (
            Button(self._text("button_yes", state), self._pick(guessed.code)),
            Button(self._content.languages[REFERENCE].native_name, self._pick(REFERENCE)),
            Button(self._text("button_other_language", state), f"/{LANGUAGE_PAYLOAD}"),
        )
        return Reply(self._text("language_detected", state), buttons)

    @staticmethod
    def _pick(code: str) -> str:
        return f'/{LANGUAGE_PAYLOAD}{{"code":"{code}"}}'

    def _easy(self, state: DialogueState) -> list[Reply]:
        """The last answer again in the easier language, then the offer of a call back: someone
        who reads badly is never told that the bot cannot help."""
        replies: list[Reply] = []
        if state.last_answer:
            intent, _, followup = state.last_answer.partition(".")
            answer = self._content.answer(intent)
            chosen = answer.followup(followup) if answer and followup else None
            if answer is not None:
                replies.append(Reply((chosen or answer).text.get(state.locale)))
        if not replies:  # nothing to say again: say that the next answers will be easier
            replies.append(Reply(self._text("language_set", state)))
        replies.append(self.offer_person(state, key="easy_offer"))
        return replies

    # -- answers -----------------------------------------------------------------------------

    def answers_topics(self, locale: str) -> bool:
        """Whether the bot answers questions in ``locale`` (its own texts, or a wider
        language's other than French): otherwise it offers a person with an interpreter."""
        language = self._content.languages.get(locale)
        if language is None or language.complete:
            return True
        chain = [code for code in lookup_chain(locale) if code != REFERENCE]
        return any(
            f"answers.{intent}" in self._content.texts.get(code, {})
            for code in chain
            for intent in self._content.answers
        )

    def offer_person(self, state: DialogueState, *, key: str = "interpreter_offer") -> Reply:
        """A person can call back (with an interpreter): yes or no, read by the lead offer."""
        state.step = Step.OFFER_LEAD
        state.topic = state.topic or "ask_human"
        buttons = (
            Button(self._text("button_yes", state), "/affirm"),
            Button(self._text("button_no", state), "/deny"),
        )
        return Reply(self._text(key, state), buttons)

    def _text(self, key: str, state: DialogueState) -> str:
        return self._content.message(key, state.locale)
