"""What the bot says back, independent of the channel that will render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

LINK_SCHEMES: Final = ("tel:", "sms:")
"""Payloads that open the phone's dialler or messages app instead of coming back to us."""


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the young person.

    ``payload`` is what comes back when it is chosen: ``/intent_name`` or ``/affirm``,
    exactly as in Rasa, so every channel and the REST contract share one format. A payload
    ``tel:3114`` or ``sms:114`` is a link instead (crisis numbers): the web chat shows it as a
    tap-to-call link; channels that cannot (Telegram keyboards take only http(s) and tg links,
    SMS has no buttons) leave it out, because the number is always written in the text too.
    """

    title: str
    payload: str

    @property
    def is_link(self) -> bool:
        """Whether tapping it calls or texts a number rather than answering the bot."""
        return self.payload.startswith(LINK_SCHEMES)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message of the bot. Channels decide how buttons look (inline keys, numbered lines).

    ``field`` names what the message asks for when it is a question of the contact form
    (``age``, ``first_name``, ``phone``, ``commune``, ``need``, ``when``), and ``invalid`` says
    that it asks again because the answer could not be read. A channel with a keyboard of its
    own uses them: the web chat opens the phone's number pad for the age, its phone keypad
    and autofill for the number, and marks the field as in error; the others ignore them.
    """

    text: str
    buttons: tuple[Button, ...] = field(default=())
    field: str = ""
    invalid: bool = False

    @property
    def choices(self) -> tuple[Button, ...]:
        """The buttons that answer the bot: what a channel without links numbers or keys."""
        return tuple(button for button in self.buttons if not button.is_link)
