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
    """One message of the bot. Channels decide how buttons look (inline keys, numbered lines)."""

    text: str
    buttons: tuple[Button, ...] = field(default=())

    @property
    def choices(self) -> tuple[Button, ...]:
        """The buttons that answer the bot: what a channel without links numbers or keys."""
        return tuple(button for button in self.buttons if not button.is_link)
