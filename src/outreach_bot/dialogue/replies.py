"""What the bot says back, independent of the channel that will render it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the young person.

    ``payload`` is what comes back when it is chosen: ``/intent_name`` or ``/affirm``,
    exactly as in Rasa, so every channel and the REST contract share one format.
    """

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message of the bot. Channels decide how buttons look (inline keys, numbered lines)."""

    text: str
    buttons: tuple[Button, ...] = field(default=())
