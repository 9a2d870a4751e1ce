"""``outreach-bot chat``: a terminal conversation through the same core."""

from __future__ import annotations

import io

from outreach_bot.channels.console import chat
from outreach_bot.core.services import Services


async def test_terminal_chat_numbers_buttons_and_understands_the_number(
    services: Services,
) -> None:
    """Buttons are numbered; typing a number picks that button."""
    stdin = io.StringIO("salut\n\nje cherche du boulot\n2\n")
    stdout = io.StringIO()
    await chat(services.conversations, stdin, stdout)
    screen = stdout.getvalue()
    assert "bot> Salut" in screen
    assert "1. Oui" in screen
    assert "2. Non merci" in screen
    assert services.content.message("lead_declined", "fr") in screen
